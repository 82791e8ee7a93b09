"""The local API server: a third front door over the same services, speaking the OpenAI and
Anthropic HTTP APIs to other apps on this computer (or the local network, with a token). No Qt.

`app` builds the Starlette application over a ServerService (app/services/serving.py), `runner`
the quiet uvicorn server it runs on, `auth` who is asking, `errors` each API's error shape,
`openai_api` and `anthropic_api` the routes, `wire_*` the request and event translations.
"""
