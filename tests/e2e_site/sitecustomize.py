"""Points discord.py at the test stand-in, in a `glossary-bot run` started by the tests.

The end-to-end tests start the bot exactly as a user does, as the `glossary-bot run` command, with
this folder on PYTHONPATH. Python imports `sitecustomize` at start-up, so the only difference
from production is where discord.py's two URLs point. Without GLOSSARY_STANDIN_URL it does
nothing.
"""

import os

_url = os.environ.get("GLOSSARY_STANDIN_URL")
if _url:
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = _url.rstrip("/") + "/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        os.environ.get("GLOSSARY_STANDIN_GATEWAY", _url.replace("http", "ws", 1) + "/gateway")
    )
