"""The pages' contexts: one plain dict per page, built here and nowhere else, that the HTML
template renders and the JSON API returns as it is (its twin); one module per resource."""
