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


#: App-like names, [a-z][a-z0-9-]{2,8} (built from parts: st.from_regex draws them ~2x slower)
NAMES = st.builds(
    str.__add__,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=2, max_size=8),
)


@given(
    names=st.sets(NAMES, min_size=1, max_size=60),
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


@given(
    values=st.lists(st.integers(min_value=0, max_value=4), min_size=0, max_size=40),
    size=st.integers(min_value=1, max_value=6),
    order=st.sampled_from(["asc", "desc"]),
    field=st.sampled_from(["updated_at", "version"]),
)
def test_repeated_sort_values_page_exactly_by_id(values, size, order, field):
    """Many items share a sort value (apps updated in the same second): every item is still
    seen once, in (value, id) order, however the pages cut through the ties."""
    stamp = "2026-11-26T12:00:0{}Z".format
    items = [
        {"id": f"{n:08x}-uuid", "updated_at": stamp(v), "version": v} for n, v in enumerate(values)
    ]
    header, seen = f"{field} ..; max={size}, order={order}", []
    for _ in range(len(items) + 1):
        page = paginate(items, parse_range(header, ("id", field)), key, tiebreak="id")
        seen += [it["id"] for it in page.items]
        if page.next_range is None:
            break
        header = page.next_range
    want = sorted(items, key=lambda it: (it[field], it["id"]), reverse=order == "desc")
    assert seen == [it["id"] for it in want]


def test_next_range_names_the_id_only_when_the_cut_splits_a_tie():
    items = [{"id": i, "v": v} for i, v in (("a", 1), ("b", 1), ("c", 1), ("d", 2))]
    page = paginate(items, parse_range("v ..; max=1", ("v",)), key, tiebreak="id")
    assert page.next_range == "v ]1~a..; max=1, order=asc"
    page = paginate(items, parse_range("v ..; max=3", ("v",)), key, tiebreak="id")
    assert page.next_range == "v ]1..; max=3, order=asc"
    spec = parse_range("v ]1~b..; max=5", ("v",))
    assert (spec.start, spec.start_tie, spec.start_exclusive) == ("1", "b", True)
    assert [it["id"] for it in paginate(items, spec, key, tiebreak="id").items] == ["c", "d"]
    with pytest.raises(RangeError):
        parse_range("v ]~b..", ("v",))
