"""Helpers shared by the verify tests."""

from __future__ import annotations


def cookie_moves(affinity: dict) -> list[tuple[str, str]]:
    """The report's affinity changes as moves of the cookie from one value to another. The report
    counts each request sent with the old cookie and answered with a new one, so requests in
    flight together at a switch (answers slower than the send interval, as on a busy machine)
    each count the same move: consecutive repeats are one move."""
    moves: list[tuple[str, str]] = []
    for change in affinity["change_list"]:
        move = (change["from"], change["to"])
        if not moves or moves[-1] != move:
            moves.append(move)
    return moves
