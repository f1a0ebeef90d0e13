"""The web's routes, one module per resource (each an ``APIRouter`` that ``web/app.py``
includes): ``assessments`` (the inspector's workspace and the changes made in it) and
``recommendations`` (what a force posts: progress on its recommendations, responses), both
served by ``changes``; ``pages`` (the public pages and their JSON twins, declared in ``PAGES``,
each built by a dependency of ``forces``, ``indicators`` or ``publications``, which also hold
those resources' other routes: the indicators' CSV and XLSX, a publication's outputs);
``downloads`` (every page's tables and charts as files) and ``admin`` (the accounts).
The contexts the routes return are built in ``web/contexts/``.
"""
