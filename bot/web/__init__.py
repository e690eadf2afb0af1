"""The glossary on the web: read-only HTML pages served by aiohttp (see `app.py`)."""
