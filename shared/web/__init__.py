"""The pages' foundation every service stands on: server-side sessions, sign-in and
sign-out, CSRF, the page dependencies (the signed-in officer, a role check), the Jinja2
templates with their base layout, and the static files (htmx, the stylesheet)."""
