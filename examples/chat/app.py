"""The asgitest chat example: a small Starlette app with something of everything ASGI does.

- ``GET /``: a plain-text hello.
- ``GET /api/messages``, ``POST /api/messages``: a JSON API over the room's history.
- ``GET /api/stats``: who is in the room, using state the lifespan set up.
- ``WS /ws/chat?user=NAME``: a chat room; every message is broadcast to every member
  (the sender too). Send ``/quit`` to be closed with code 1000, reason "bye".
- ``GET /events``: server-sent events for everything that happens in the room; it streams
  forever, with a ``: ping`` comment after ``?ping=SECONDS`` of silence (default 15).

The room lives in the lifespan state: run the app under a server (``uvicorn
examples.chat.app:app``), or poke it in-process with ``asgitest request examples.chat.app:app
GET /``. It uses anyio, so it runs on asyncio and on trio.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

MAX_TEXT = 500
"""Longest chat message accepted, in characters."""

HISTORY = 100
"""How many messages the room remembers."""

Event = dict[str, Any]


class Room:
    """A chat room: its members, its history, and a broadcast to every subscriber."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.users: list[str] = []
        self.history: list[Event] = []
        self._subscribers: set[MemoryObjectSendStream[Event]] = set()
        self._next_id = 1

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[MemoryObjectReceiveStream[Event]]:
        """Receive every event published while the ``with`` block lasts."""
        send, receive = anyio.create_memory_object_stream[Event](max_buffer_size=100)
        self._subscribers.add(send)
        try:
            yield receive
        finally:
            self._subscribers.discard(send)
            send.close()
            receive.close()

    def publish(self, event: Event) -> Event:
        """Give the event an id, remember it if it is a message, send it to every subscriber."""
        event = {"id": self._next_id, **event}
        self._next_id += 1
        if event["type"] == "message":
            self.history = [*self.history, event][-HISTORY:]
        for subscriber in list(self._subscribers):
            try:
                subscriber.send_nowait(event)
            except anyio.WouldBlock:
                pass  # a member that does not keep up misses events; it does not slow the others
            except anyio.BrokenResourceError:
                self._subscribers.discard(subscriber)
        return event

    def say(self, user: str, text: str) -> Event:
        """Publish a chat message."""
        return self.publish({"type": "message", "user": user, "text": text})

    def close(self) -> None:
        """End every subscription (at shutdown)."""
        for subscriber in list(self._subscribers):
            subscriber.close()
        self._subscribers.clear()


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    """Create the room at startup (requests see ``request.state.room``); close it at shutdown."""
    room = Room("lobby")
    yield {"room": room, "started_at": time.monotonic()}
    room.close()


def _room(connection: Request | WebSocket) -> Room:
    room: Room = connection.state.room
    return room


async def hello(request: Request) -> Response:
    return PlainTextResponse("Hello from the asgitest chat example!\n")


async def list_messages(request: Request) -> Response:
    room = _room(request)
    return JSONResponse({"room": room.name, "messages": room.history})


async def post_message(request: Request) -> Response:
    try:
        data = await request.json()
    except ValueError:
        return JSONResponse({"error": "the body must be JSON"}, status_code=400)
    user = data.get("user") if isinstance(data, dict) else None
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(user, str) or not user.strip() or not isinstance(text, str) or not text:
        return JSONResponse({"error": 'expected {"user": "NAME", "text": "TEXT"}'}, status_code=422)
    if len(text) > MAX_TEXT:
        return JSONResponse({"error": f"text longer than {MAX_TEXT} characters"}, status_code=422)
    event = _room(request).say(user.strip(), text)
    return JSONResponse(event, status_code=201)


async def stats(request: Request) -> Response:
    room = _room(request)
    uptime = time.monotonic() - request.state.started_at
    return JSONResponse(
        {
            "room": room.name,
            "members": sorted(room.users),
            "messages": len(room.history),
            "uptime": round(uptime, 3),
        }
    )


async def chat(websocket: WebSocket) -> None:
    room = _room(websocket)
    user = websocket.query_params.get("user", "").strip()
    if not user:
        await websocket.close(code=1008, reason="say who you are: /ws/chat?user=NAME")
        return
    await websocket.accept()
    with room.subscribe() as inbox:
        room.users.append(user)
        room.publish({"type": "join", "user": user})
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_forward, inbox, websocket)
                await _read(websocket, room, user)
                tasks.cancel_scope.cancel()
        finally:
            room.users.remove(user)
            room.publish({"type": "leave", "user": user})


async def _forward(inbox: MemoryObjectReceiveStream[Event], websocket: WebSocket) -> None:
    async for event in inbox:
        await websocket.send_text(json.dumps(event))


async def _read(websocket: WebSocket, room: Room, user: str) -> None:
    """Publish what the member says until they leave."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            await websocket.close(code=1003, reason="text frames only")
            return
        if text == "/quit":
            await websocket.close(code=1000, reason="bye")
            return
        if len(text) > MAX_TEXT:
            await websocket.close(code=1009, reason=f"longer than {MAX_TEXT} characters")
            return
        with contextlib.suppress(ValueError):
            data = json.loads(text)
            if isinstance(data, dict) and isinstance(data.get("text"), str):
                text = data["text"]
        room.say(user, text)


def _sse(event: Event) -> bytes:
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


async def events(request: Request) -> Response:
    room = _room(request)
    try:
        ping = max(float(request.query_params.get("ping", "15")), 0.01)
    except ValueError:
        return JSONResponse({"error": "ping must be a number of seconds"}, status_code=400)

    async def stream() -> AsyncIterator[bytes]:
        with room.subscribe() as inbox:
            hello = {"room": room.name, "members": sorted(room.users)}
            yield f"event: hello\ndata: {json.dumps(hello)}\n\n".encode()
            while True:
                # Never yield inside a cancel scope: wait, leave the scope, then yield.
                event: Event | None = None
                with anyio.move_on_after(ping):
                    try:
                        event = await inbox.receive()
                    except anyio.EndOfStream:
                        return  # the room closed: the server is shutting down
                yield b": ping\n\n" if event is None else _sse(event)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


app = Starlette(
    routes=[
        Route("/", hello),
        Route("/api/messages", list_messages, methods=["GET"]),
        Route("/api/messages", post_message, methods=["POST"]),
        Route("/api/stats", stats),
        Route("/events", events),
        WebSocketRoute("/ws/chat", chat),
    ],
    lifespan=lifespan,
)
