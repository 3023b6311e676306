"""The pattern language: each kind of pattern, and the words of each difference it finds."""

from __future__ import annotations

import re

import pytest

from asgitest import ANY, HttpCommunicator, Pattern
from asgitest._assertions import assertrepr_compare
from asgitest._patterns import find_mismatch, show

START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"Content-Type", b"application/json"), (b"set-cookie", b"a=1")],
}


def why(pattern, value):
    """The first difference, as the one line a failure shows."""
    problem = find_mismatch(pattern, value)
    return None if problem is None else str(problem)


# ---------------------------------------------------------------------- type shorthand, dicts


def test_bare_string_is_the_message_type():
    assert why("http.response.start", START) is None
    assert why("http.response.body", START) == (
        'at ["type"]: expected "http.response.body", got "http.response.start"'
    )


def test_dict_is_a_subset_match():
    assert why({"type": "http.response.start", "status": 200}, START) is None
    assert why({}, START) is None
    assert why({"status": 404}, START) == 'at ["status"]: expected 404, got 200'


def test_the_type_is_reported_before_any_other_key():
    # Listed after "status", but a wrong type explains the rest, so it comes first.
    assert why({"status": 404, "type": "websocket.send"}, START) == (
        'at ["type"]: expected "websocket.send", got "http.response.start"'
    )


def test_missing_key_names_the_keys_present():
    assert why({"reason": "OK"}, START) == (
        'at ["reason"]: expected "OK", but there is no "reason" key '
        '(keys present: "type", "status", "headers")'
    )


def test_a_key_the_message_leaves_out_has_its_asgi_default():
    final = {"type": "http.response.body", "body": b"done"}
    assert why({"type": "http.response.body", "more_body": False}, final) is None
    assert (
        why({"type": "websocket.close", "code": 1000, "reason": ""}, {"type": "websocket.close"})
        is None
    )
    assert why({"more_body": True}, final) == (
        'at ["more_body"]: expected True, got False (the key is absent; False is its ASGI default)'
    )


def test_defaults_apply_only_to_known_message_types():
    assert why({"more_body": False}, {"type": "my.custom", "body": b""}) == (
        'at ["more_body"]: expected False, but there is no "more_body" key '
        '(keys present: "type", "body")'
    )


def test_nested_dicts_and_lists():
    message = {"type": "x", "state": {"users": ["ann", "bob"], "count": 2}}
    assert why({"state": {"users": ["ann", "bob"]}}, message) is None
    assert why({"state": {"users": ["ann", "eve"]}}, message) == (
        'at ["state"]["users"][1]: expected "eve", got "bob"'
    )
    assert why({"state": {"users": ["ann"]}}, message) == (
        'at ["state"]["users"]: expected 1 item, got 2: ["ann", "bob"]'
    )
    assert why({"state": {"count": {"n": 2}}}, message) == (
        'at ["state"]["count"]: expected a dict matching {"n": 2}, got 2'
    )


def test_a_tuple_pattern_matches_a_list_and_back():
    assert why({"client": ("127.0.0.1", 5000)}, {"client": ["127.0.0.1", 5000]}) is None
    assert why({"client": ["127.0.0.1", ANY]}, {"client": ("127.0.0.1", 5000)}) is None


# ------------------------------------------------------------- ANY, regex, types, callables


def test_any_matches_every_value_but_not_a_missing_key():
    assert why({"status": ANY, "headers": ANY}, START) is None
    assert why({"subprotocol": ANY}, {"type": "x"}) == (
        'at ["subprotocol"]: expected any value, but there is no "subprotocol" key '
        '(keys present: "type")'
    )
    assert ANY == object()
    assert (ANY != 1) is False
    assert repr(ANY) == "ANY"


def test_regex_searches_str_and_bytes():
    frame = {"type": "websocket.send", "text": "hello ann, 3 online"}
    assert why({"text": re.compile(r"\d+ online")}, frame) is None
    assert why({"text": re.compile(r"^bye")}, frame) == (
        'at ["text"]: expected a match for re.compile("^bye"), got "hello ann, 3 online"'
    )
    assert why({"body": re.compile(rb"^data: ")}, {"body": b"data: 1\n\n"}) is None


def test_regex_of_the_wrong_kind_says_so():
    assert why({"body": re.compile(r"^data")}, {"body": b"data: 1\n\n"}) == (
        'at ["body"]: expected a str matching re.compile("^data"), got b"data: 1\\n\\n"'
    )


def test_type_is_an_isinstance_check():
    assert why({"status": int, "headers": list}, START) is None
    assert why({"status": str}, START) == 'at ["status"]: expected an instance of str, got 200'
    assert why({"text": str}, {"type": "websocket.send", "bytes": b"\x00\x01"}) == (
        'at ["text"]: expected an instance of str, got None '
        "(the key is absent; None is its ASGI default)"
    )


def is_success(status):
    return 200 <= status < 300


def test_callable_is_a_predicate():
    assert why({"status": is_success}, START) is None
    assert why({"status": is_success}, {**START, "status": 500}) == (
        'at ["status"]: expected a value for which is_success is true, got 500'
    )


def test_lambda_is_named_by_where_it_was_written():
    line = test_lambda_is_named_by_where_it_was_written.__code__.co_firstlineno + 2
    assert why({"status": lambda s: s < 300}, {"status": 404}) == (  # the lambda's line
        f'at ["status"]: expected a value for which <lambda at test_patterns.py:{line}> '
        "is true, got 404"
    )


def test_predicate_that_raises_is_a_mismatch():
    assert why({"status": is_success}, {"status": None}) == (
        'at ["status"]: expected a value for which is_success is true, got None, for which '
        "it raised TypeError: '<=' not supported between instances of 'int' and 'NoneType'"
    )


def test_a_predicate_on_the_whole_message():
    assert why(lambda m: "status" in m, START) is None
    assert str(find_mismatch(dict.__len__, {})).startswith("at the top level: expected a value")


# ---------------------------------------------------------------------- literals


def test_true_never_equals_one():
    assert why({"more_body": True}, {"more_body": 1}) == (
        'at ["more_body"]: expected True, got 1 (True and False only match booleans)'
    )
    assert why({"count": 1}, {"count": True}) == (
        'at ["count"]: expected 1, got True (True and False only match booleans)'
    )


def test_str_pattern_against_bytes_teaches_the_fix():
    assert why({"body": "hello"}, {"body": b"hello"}) == (
        'at ["body"]: expected "hello", got b"hello" '
        '(a str never equals bytes: write the pattern as bytes, b"...")'
    )
    assert why({"text": b"hi"}, {"text": "hi"}) == (
        'at ["text"]: expected b"hi", got "hi" '
        "(bytes never equal a str: write the pattern as a str)"
    )


def test_long_values_show_where_they_first_differ():
    expected = b"x" * 100 + b"EXPECTED" + b"y" * 100
    actual = b"x" * 100 + b"actual!!" + b"y" * 100
    assert why({"body": expected}, {"body": actual}) == (
        'at ["body"]: expected ...b"xxxxxxxxxxxxxxxxxxxxEXPECTEDyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", '
        'got ...b"xxxxxxxxxxxxxxxxxxxxactual!!yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy" '
        "(lengths 208 and 208; first difference at offset 100)"
    )


def test_show_is_readable():
    assert show(b"application/json") == 'b"application/json"'
    assert show("it's") == '"it\'s"'
    assert show('say "hi"') == "'say \"hi\"'"
    assert show(b"\x00\xff") == 'b"\\x00\\xff"'
    assert show(b"a" * 100) == 'b"' + "a" * 80 + '"... (100 bytes)'
    assert show((1,)) == "(1,)"
    assert show(re.compile(rb"^x")) == 're.compile(b"^x")'
    assert show(int) == "int"


# ---------------------------------------------------------------------- headers


def test_header_dict_matches_by_name_in_any_order_and_any_case():
    assert (
        why({"headers": {"set-cookie": b"a=1", b"CONTENT-TYPE": b"application/json"}}, START)
        is None
    )


def test_header_values_may_be_str_regex_any_or_predicates():
    headers = {
        "content-type": "application/json",
        "Set-Cookie": re.compile(r"^a="),
        b"set-cookie": ANY,
    }
    assert why({"headers": headers}, START) is None
    assert why({"headers": {"set-cookie": lambda v: v.startswith(b"a")}}, START) is None


def test_header_value_mismatch_shows_the_path_and_both_values():
    assert why({"headers": {"content-type": b"text/html"}}, START) == (
        'at ["headers"]["content-type"]: expected b"text/html", got b"application/json"'
    )
    assert why({"headers": {"content-type": "text/html"}}, START) == (
        'at ["headers"]["content-type"]: expected "text/html", got "application/json"'
    )


def test_missing_header_lists_the_headers_present():
    assert why({"headers": {"location": ANY}}, START) == (
        'at ["headers"]["location"]: expected any value, but there is no "location" header '
        '(headers present: b"Content-Type", b"set-cookie")'
    )


def test_repeated_header_is_matched_joined_or_one_by_one():
    start = {"headers": [(b"set-cookie", b"a=1"), (b"x", b"y"), (b"set-cookie", b"b=2")]}
    assert why({"headers": {"set-cookie": b"a=1, b=2"}}, start) is None
    assert why({"headers": {"set-cookie": ["a=1", "b=2"]}}, start) is None
    assert why({"headers": {"set-cookie": ["a=1"]}}, start) == (
        'at ["headers"]["set-cookie"]: expected 1 item, got 2: '
        '["a=<masked sha256:6b86b2>", "b=<masked sha256:d4735e>"]'  # a credential header (#20)
    )


def test_header_list_pattern_is_exact_and_ordered():
    pairs = [(b"content-type", b"text/plain"), (b"x-a", b"1")]
    assert (
        why({"headers": [[b"content-type", b"text/plain"], (b"x-a", ANY)]}, {"headers": pairs})
        is None
    )
    assert why(
        {"headers": [(b"x-a", b"1"), (b"content-type", b"text/plain")]}, {"headers": pairs}
    ) == ('at ["headers"][0][0]: expected b"x-a", got b"content-type"')


# ---------------------------------------------------------------------- Pattern objects


def test_pattern_object_equals_what_it_matches():
    pattern = Pattern("http.response.start", status=200)
    assert START == pattern
    assert pattern == START
    assert {**START, "status": 404} != pattern
    assert pattern != "http.response.start"
    assert Pattern("a", x=1) == Pattern({"type": "a", "x": 1})
    assert pattern.matches(START)
    assert pattern.mismatch(START) is None
    with pytest.raises(TypeError, match="unhashable"):
        hash(pattern)


def test_pattern_repr_and_description():
    assert repr(Pattern("websocket.send", text="hi")) == 'Pattern("websocket.send", text="hi")'
    assert repr(Pattern({"status": 200})) == 'Pattern({"status": 200})'
    assert Pattern("websocket.send", text=re.compile("^hi")).describe() == (
        '"websocket.send" with text=re.compile("^hi")'
    )
    assert Pattern("http.response.start").describe() == '"http.response.start"'
    assert Pattern({"status": 200}).describe() == 'a message matching {"status": 200}'


def test_pattern_keywords_need_a_dict():
    with pytest.raises(TypeError, match=r"cannot take keywords"):
        Pattern([1, 2], status=200)


def test_patterns_nest():
    inner = Pattern({"content-type": b"application/json"})
    assert why(Pattern("http.response.start", headers=inner), START) is None


# ---------------------------------------------------------------------- pytest's assert rewriting


def test_assertrepr_compare_explains_a_failed_pattern_comparison():
    message = {
        "type": "http.response.start",
        "status": 404,
        "headers": [(b"content-type", b"text/html")],
    }
    pattern = Pattern("http.response.start", status=200, headers={"content-type": b"text/html"})
    shown_message = (
        '{"type": "http.response.start", "status": 404, '
        '"headers": [(b"content-type", b"text/html")]}'
    )
    assert assertrepr_compare("==", message, pattern) == [
        f"{shown_message}"
        ' == Pattern("http.response.start", status=200, headers={"content-type": b"text/html"})',
        'at ["status"]: expected 200, got 404',
        'pattern: {"type": "http.response.start", "status": 200, '
        '"headers": {"content-type": b"text/html"}}',
        f"message: {shown_message}",
    ]
    # Written the other way round, the summary keeps the order of the source.
    reversed_lines = assertrepr_compare("==", pattern, message)
    assert reversed_lines is not None
    assert reversed_lines[0].startswith('Pattern("http.response.start"')


def test_assertrepr_compare_leaves_other_comparisons_to_pytest():
    pattern = Pattern("http.response.start")
    assert assertrepr_compare("==", START, pattern) is None  # it matched
    assert assertrepr_compare("!=", {}, pattern) is None
    assert assertrepr_compare("==", {}, {"type": "x"}) is None
    assert assertrepr_compare("==", pattern, Pattern("x")) is None


# ---------------------------------------------------------------------- against a real app


async def sse_app(scope, receive, send):
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
        }
    )
    for n in range(3):
        await send({"type": "http.response.body", "body": b"data: %d\n\n" % n, "more_body": True})
    await send({"type": "http.response.body"})


@pytest.mark.anyio
async def test_pattern_matches_a_real_response():
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        response = await communicator.get_response()
    assert response == Pattern(
        {
            "status": 200,
            "headers": {"Content-Type": "text/event-stream"},
            "body": re.compile(rb"data: 2"),
        }
    )
    assert response != Pattern({"headers": {"content-type": "application/json"}})
