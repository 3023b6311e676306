"""The cookie jar: storing Set-Cookie, sending Cookie."""

from __future__ import annotations

import time

from asgitest import CookieJar


def test_stores_and_sends_a_session_cookie() -> None:
    jar = CookieJar()
    jar.set_cookie_header("sessionid=abc; Path=/; HttpOnly; SameSite=Lax", "testserver", "/login")
    assert jar["sessionid"] == "abc"
    assert jar.header_for("testserver", "/anything", secure=False) == "sessionid=abc"
    cookie = next(iter(jar))
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.host_only


def test_default_path_is_the_request_directory() -> None:
    jar = CookieJar()
    jar.set_cookie_header("a=1", "testserver", "/account/login")
    assert jar.header_for("testserver", "/account/profile", secure=False) == "a=1"
    assert jar.header_for("testserver", "/accounts", secure=False) is None
    assert jar.header_for("testserver", "/", secure=False) is None


def test_path_matching_and_order() -> None:
    jar = CookieJar()
    jar.set_cookie_header("root=1; Path=/", "testserver", "/")
    jar.set_cookie_header("api=2; Path=/api", "testserver", "/")
    assert jar.header_for("testserver", "/api/items", secure=False) == "api=2; root=1"
    assert jar.header_for("testserver", "/apiary", secure=False) == "root=1"


def test_max_age_zero_and_past_expires_delete() -> None:
    jar = CookieJar()
    jar.set_cookie_header("a=1; Path=/", "testserver", "/")
    jar.set_cookie_header("b=2; Path=/", "testserver", "/")
    jar.set_cookie_header('a=""; Max-Age=0; Path=/', "testserver", "/")
    jar.set_cookie_header("b=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/", "testserver", "/")
    assert len(jar) == 0
    assert jar.header_for("testserver", "/", secure=False) is None


def test_max_age_wins_over_expires_and_expiry_is_honoured() -> None:
    jar = CookieJar()
    jar.set_cookie_header(
        "a=1; Max-Age=1; expires=Thu, 01 Jan 1970 00:00:00 GMT", "testserver", "/"
    )
    assert "a" in jar
    cookie = next(iter(jar))
    assert cookie.expires is not None
    assert cookie.expired(time.time() + 5)


def test_secure_cookies_loosely() -> None:
    jar = CookieJar()
    jar.set_cookie_header("s=1; Secure", "example.com", "/")
    assert jar.header_for("example.com", "/", secure=False) is None
    assert jar.header_for("example.com", "/", secure=True) == "s=1"
    jar.set_cookie_header("t=1; Secure", "testserver", "/")
    assert jar.header_for("testserver", "/", secure=False) == "t=1"


def test_domain_cookies_and_other_sites() -> None:
    jar = CookieJar()
    jar.set_cookie_header("d=1; Domain=.example.com", "www.example.com", "/")
    assert jar.header_for("api.example.com", "/", secure=False) == "d=1"
    jar.set_cookie_header("evil=1; Domain=attacker.test", "www.example.com", "/")
    assert "evil" not in jar
    jar.set_cookie_header("h=1", "www.example.com", "/")
    assert jar.header_for("api.example.com", "/", secure=False) == "d=1"


def test_quoted_values_are_kept_as_sent() -> None:
    jar = CookieJar()
    jar.set_cookie_header('msg="a b"; Path=/', "testserver", "/")
    assert jar.header_for("testserver", "/", secure=False) == 'msg="a b"'


def test_malformed_lines_are_ignored_and_mapping_views() -> None:
    jar = CookieJar({"x": "1"})
    jar.set_cookie_header("novalue", "testserver", "/")
    jar.set_cookie_header("=v", "testserver", "/")
    assert jar.as_dict() == {"x": "1"}
    jar.delete("x")
    assert jar.get("x") is None
    jar.set("y", "2")
    jar.clear()
    assert len(jar) == 0
