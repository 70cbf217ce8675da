"""Self-reported "how did you hear about us" answers land in plain buckets."""

from __future__ import annotations

import pytest

from tandem.core.attribution.self_reported import BUCKETS, bucket_of


@pytest.mark.parametrize(("answer", "bucket"), [
    ("Google search", "search"),
    ("Google ad", "paid_ads"),
    ("LinkedIn ad", "paid_ads"),
    ("LinkedIn", "social"),
    ("Met you at a conference", "event"),
    ("Trade fair", "event"),
    ("Webinar", "webinar"),
    ("Whitepaper", "content"),
    ("Recommended by a partner", "partner"),
    ("A colleague", "word_of_mouth"),
    ("Your sales rep called", "sales_rep"),
    ("Letter in the post", "direct_mail"),
    ("the newsletter", "email"),
    ("Your website", "website"),
    ("saw a billboard", "other"),
    ("", "not_answered"),
    ("   ", "not_answered"),
    (None, "not_answered"),
])
def test_each_answer_lands_in_its_bucket(answer, bucket):
    assert bucket_of(answer).key == bucket


def test_words_match_whole_so_a_broad_word_does_not_swallow_another():
    assert bucket_of("Badminton club").key == "other"  # contains "ad" but not the word


def test_every_bucket_names_a_real_touch_channel_or_none():
    from tandem.touchpoints.choices import Channel

    assert {b.channel for b in BUCKETS} - {None} <= set(Channel.values)
