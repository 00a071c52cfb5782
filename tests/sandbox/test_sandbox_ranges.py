"""Range pagination as a pure function: walking Next-Range visits every item once, in order."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zdd.sandbox.ranges import MAX_MAX, RangeError, paginate, parse_range


def key(item, field):
    return item[field]


def walk(items, header):
    seen, statuses = [], []
    while True:
        page = paginate(items, parse_range(header, ("version", "id")), key)
        seen += [it["version"] for it in page.items]
        statuses.append(page.status)
        if page.next_range is None:
            return seen, statuses
        header = page.next_range


@given(
    versions=st.sets(st.integers(min_value=1, max_value=5000), max_size=300),
    size=st.integers(min_value=1, max_value=120),
    order=st.sampled_from(["asc", "desc"]),
)
def test_walking_next_range_visits_everything_once_in_order(versions, size, order):
    items = [{"version": v, "id": f"{v:08d}"} for v in versions]
    seen, statuses = walk(items, f"version ..; max={size}, order={order}")
    assert seen == sorted(versions, reverse=order == "desc")
    assert all(s == 206 for s in statuses[:-1]) and statuses[-1] == 200


@given(
    names=st.sets(st.from_regex(r"[a-z][a-z0-9-]{2,8}", fullmatch=True), min_size=1, max_size=60),
    size=st.integers(min_value=1, max_value=25),
)
def test_string_fields_page_too(names, size):
    items = [{"name": n, "id": n} for n in names]
    header, seen = f"name ..; max={size}", []
    while header:
        page = paginate(items, parse_range(header, ("id", "name")), key)
        seen += [it["name"] for it in page.items]
        header = page.next_range
    assert seen == sorted(names)


def test_parse_defaults_and_limits():
    spec = parse_range(None, ("version", "id"))
    assert (spec.field, spec.max, spec.order, spec.start) == ("version", 200, "asc", None)
    assert parse_range("version ..; max=5000", ("version",)).max == MAX_MAX
    spec = parse_range("version ]10..20; order=desc", ("version",))
    assert (spec.start, spec.start_exclusive, spec.end, spec.order) == ("10", True, "20", "desc")
    with pytest.raises(RangeError, match="cannot sort by 'size'"):
        parse_range("size ..", ("version", "id"))


def test_empty_list_has_no_content_range():
    page = paginate([], parse_range("id ..", ("id",)), key)
    assert (page.items, page.content_range, page.next_range, page.status) == ([], None, None, 200)
