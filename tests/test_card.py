"""The dataset card's size category, at each boundary of the Hub's list."""

import pytest

from curation.release.card import size_category


@pytest.mark.parametrize(("n", "category"), [
    (0, "n<1K"), (999, "n<1K"), (1_000, "1K<n<10K"), (99_999, "10K<n<100K"), (100_000, "100K<n<1M"),
    (999_999, "100K<n<1M"), (2_000_000, "1M<n<10M"), (10**8, "100M<n<1B"), (10**12 - 1, "100B<n<1T"),
    (10**12, "n>1T"),
])
def test_size_category(n, category):
    assert size_category(n) == category
