"""The web's routes, one module per resource (each an ``APIRouter`` that ``web/app.py``
includes): ``assessments`` (the inspector's workspace and the changes made in it) and
``recommendations`` (what a force posts: progress on its recommendations, responses), both
served by ``changes``. The public pages' routes are still ``web/pages.py``, ``profiles.py``,
``downloads.py`` and ``admin.py``; they move here when the pages are renamed (issue 20 point 2).
"""
