"""An app module the examples name by import string, as an ini file would."""


async def echo(scope, receive, send):
    if scope["type"] != "websocket":
        raise RuntimeError("WebSocket only")
    await receive()
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": message.get("text")})
