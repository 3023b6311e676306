"""A small Starlette chat app: HTTP, a JSON API, a WebSocket room, server-sent events, lifespan."""
