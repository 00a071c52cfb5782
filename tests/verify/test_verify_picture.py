"""The timeline picture's pure parts: where a release is drawn, and the latency axis labels."""

import matplotlib
import pytest

from zdd.verify.picture import latency_axis, release_x

matplotlib.use("Agg", force=True)


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (1.2, 1.2),  # inside the run: as created
        (-0.4, 0.0),  # whole-second API stamp a little before the start: clamped, not poll time
        (10.6, 10.0),  # a little after the end: clamped
        (-30.0, 7.5),  # far off (an old release): the poll that saw it
        (None, 7.5),
    ],
)
def test_release_drawn_at_its_created_time_clamped_into_the_run(created, expected):
    assert release_x({"created_s": created, "at_s": 7.5}, elapsed_s=10.0) == expected


@pytest.mark.parametrize(("lo", "hi"), [(3, 30), (1.5, 9), (20, 80), (0.5, 400), (0.3, 5000)])
def test_latency_axis_has_several_labels_over_any_range(lo, hi):
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [lo, hi])
    ax.set_ylim(lo, hi)
    latency_axis(ax)
    fig.canvas.draw()
    shown = [t for t in ax.get_yticklabels() if lo <= t.get_position()[1] <= hi]
    labels = [t.get_text() for t in shown if t.get_text()]
    plt.close(fig)
    assert 3 <= len(labels) <= 10, labels
