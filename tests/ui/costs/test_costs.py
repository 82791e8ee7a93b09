"""The cost meter in the window: each reply's cost, the chat's and the month's totals, the estimate
next to Send, the budget's warnings and hard stop, the dashboard with its CSV, Settings → Costs.

Real services on a temporary data folder; OpenAI's wire format from a loopback server whose
replies report usage, so every cost is known exactly (17 in + 11 out on gpt-4o-mini at $0.15 /
$0.60 per 1M tokens = $0.00000915).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from app import secrets
from app.services.usage_csv import read_csv
from app.store.usage import Totals
from app.ui.costs.cost_text import amount_text, estimate_text
from app.ui.costs.costs_page import OFFLINE_REFRESH
from app.ui.models.picker_entries import price_text
from tests.ui.support import (
    OPENAI_KEY,
    REPLY_TIMEOUT_MS,
    activate,
    add_tiny_model,
    openai_lists,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)
from tests.wire_servers import encode_sse, openai_events, openai_usage, sse_reply

MINI = "openai:gpt-4o-mini"


def openai_answers(server, *texts: str, tokens_in: int, tokens_out: int) -> None:
    """Queue the next chat completion (the server's last queued reply repeats: script ahead)."""
    events = openai_events(list(texts), usage=openai_usage(tokens_in, tokens_out))
    server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(events)]))


def chats(server) -> list:
    return [r for r in server.requests if r.path.endswith("/chat/completions")]


@pytest.fixture
def cloud_window(qtbot, open_window, openai_server):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    qtbot.waitUntil(lambda: window.find_model(MINI) is not None)
    qtbot.waitUntil(lambda: not window.showing_welcome)
    window.choose_model(MINI)
    return window, services


def send_and_wait(qtbot, window, text: str) -> None:
    send_by_keyboard(qtbot, window, text)
    wait_until_idle(qtbot, window)


def test_a_cloud_reply_shows_its_exact_cost_and_the_totals_follow(
    qtbot, cloud_window, openai_server
):
    window, _services = cloud_window
    openai_answers(openai_server, "Hi", " there", tokens_in=17, tokens_out=11)
    openai_answers(openai_server, "More", tokens_in=1000, tokens_out=500)
    send_and_wait(qtbot, window, "Hello")
    [first] = shown_replies(window)
    assert first.message.cost_usd == "0.00000915"  # exact, stored as text
    assert "costs less than $0.0001" in first.footer.text()  # plain words in the line
    assert "17 tokens in · 11 out · < $0.0001" in first.footer.toolTip()
    assert "Exactly $0.00000915" in first.footer.toolTip()
    assert "gpt-4o-mini at $0.15 / $0.6 per 1M tokens" in first.footer.toolTip()

    send_and_wait(qtbot, window, "And more?")
    second = shown_replies(window)[-1]
    assert "costs about $0.00045" in second.footer.text()
    assert "1,000 tokens in · 500 out · $0.00045" in second.footer.toolTip()

    # 0.00000915 + 0.00045 = 0.00045915: the chat's total in the header, today and this month
    qtbot.waitUntil(lambda: window.header.cost.text() == "$0.00046")
    assert window.header.cost.isVisible()
    assert "2 replies, 1,017 tokens in · 511 out" in window.header.cost.toolTip()
    qtbot.waitUntil(lambda: window.costs.usage_bar.summary.text().startswith("Today $0.00046"))
    assert window.costs.usage_bar.summary.text().endswith(" $0.00046")
    assert not window.costs.usage_bar.pill.isVisible()  # no budget set

    window.chats.new_chat()
    assert not window.header.cost.isVisible()
    # The picker's price column knows the prices now (and never shows an unknown one as $0).
    assert price_text(window.find_model(MINI)) == "$0.15 / $0.60"


def test_a_local_reply_costs_nothing_and_says_what_it_would_have_cost(
    qtbot, cloud_window, short_gguf
):
    window, services = cloud_window
    services.settings.set("max_tokens", 12)
    local = add_tiny_model(qtbot, window, short_gguf)
    window.choose_model(local.id)
    assert not window.composer.estimate.isVisible()  # nothing to pay on this computer
    assert price_text(local) == "free"
    send_and_wait(qtbot, window, "Hello")
    [reply] = shown_replies(window)
    footer = reply.footer.toolTip()  # the figures, behind the plain line
    assert reply.message.cost_usd == "0"
    assert "tokens" not in reply.footer.text()
    assert f"{reply.message.input_tokens:,} tokens in" in footer
    assert "· $0 — would have cost $" in footer and " on gpt-4o\n" in footer

    # Another reference model in Settings → Costs: the line changes at once.
    page = window.open_settings("costs").costs
    index = page.reference.findData(MINI)
    page.reference.setCurrentIndex(index)
    assert services.settings.get("reference_model") == MINI
    assert " on gpt-4o-mini\n" in reply.footer.toolTip()
    qtbot.waitUntil(lambda: window.header.cost.text() == "$0")


def test_an_unknown_price_is_never_shown_as_zero(qtbot, cloud_window, openai_server):
    window, services = cloud_window
    openai_lists(openai_server, "gpt-4o-mini", "hearth-mystery-model")
    wait_for(qtbot, services.models.refresh_provider("openai"))
    wait_for(qtbot, window.refresh_models())
    mystery = "openai:hearth-mystery-model"
    window.choose_model(mystery)
    assert price_text(window.find_model(mystery)) == "price unknown"
    qtbot.waitUntil(lambda: window.composer.estimate.text() == "price unknown")
    assert "does not know what" in window.composer.estimate.toolTip()

    openai_answers(openai_server, "Mystery", tokens_in=40, tokens_out=8)
    send_and_wait(qtbot, window, "Who are you?")
    [reply] = shown_replies(window)
    assert reply.message.cost_usd is None
    assert "price unknown" in reply.footer.text()
    assert "40 tokens in · 8 out · price unknown" in reply.footer.toolTip()
    assert "$0" not in reply.footer.text()
    qtbot.waitUntil(lambda: window.header.cost.text() == "price unknown")
    qtbot.waitUntil(lambda: "Today price unknown" in window.costs.usage_bar.summary.text())


def test_the_estimate_follows_the_typing_and_hides_for_local_models(
    qtbot, cloud_window, short_gguf
):
    window, _services = cloud_window
    estimate = window.composer.estimate
    # No words yet: nothing shown, though the figure (~4 tokens of chat formatting in, a typical
    # 500-token reply out) is ready.
    qtbot.waitUntil(lambda: estimate.text() == "≈ $0.0003")
    assert not estimate.isVisible()
    assert "gpt-4o-mini" in estimate.toolTip() and "500 tokens out" in estimate.toolTip()
    activate(qtbot, window)
    qtbot.keyClicks(window.composer.edit, "word " * 80)  # 400 characters: ~100 more tokens
    assert estimate.isVisible()
    qtbot.waitUntil(lambda: estimate.text() == "≈ $0.00032", timeout=2_000)
    assert estimate_text(Decimal("0.0000001")) == "< $0.0001"

    local = add_tiny_model(qtbot, window, short_gguf)
    window.choose_model(local.id)
    assert not estimate.isVisible()
    window.choose_model(MINI)
    assert estimate.isVisible()


def test_budget_warning_at_80_percent_and_the_hard_stop(qtbot, cloud_window, openai_server):
    window, services = cloud_window
    services.settings.set("monthly_budget_usd", "0.0005")
    openai_answers(openai_server, "Costly", tokens_in=1000, tokens_out=500)  # $0.00045: 90%
    openai_answers(openai_server, "Sent", tokens_in=10, tokens_out=2)
    send_and_wait(qtbot, window, "First")
    bar = window.costs.usage_bar
    qtbot.waitUntil(lambda: bar.pill.property("level") == 80)
    assert bar.pill.isVisible() and bar.pill.text() == "90% of $0.0005 budget"
    assert "80% of this month's budget is used" in bar.pill.toolTip()
    assert window.toast.isVisible() and "80% of this month" in window.toast.label.text()
    assert window.toast.undo_button.text() == "See usage"
    qtbot.waitUntil(lambda: window.composer.estimate.property("over") is True)
    window.toast.dismiss()
    wait_for(qtbot, window.costs.refresh_usage())
    assert not window.toast.isVisible()  # each warning once

    services.settings.set("budget_hard_stop", True)
    asked = len(chats(openai_server))
    send_by_keyboard(qtbot, window, "Second")
    qtbot.waitUntil(
        lambda: window.costs.budget_confirm is not None and window.costs.budget_confirm.isVisible()
    )
    dialog = window.costs.budget_confirm
    assert "$0.00045 of your $0.0005 budget" in dialog.text.text()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert window.composer.text() == "Second"  # nothing lost, nothing sent
    qtbot.wait(100)
    assert len(chats(openai_server)) == asked and not window.session.busy

    window.composer.clear()
    send_by_keyboard(qtbot, window, "Second")
    qtbot.waitUntil(lambda: window.costs.budget_confirm is not dialog)
    qtbot.waitUntil(window.costs.budget_confirm.isVisible)
    qtbot.mouseClick(window.costs.budget_confirm.send_button, Qt.MouseButton.LeftButton)
    wait_until_idle(qtbot, window)
    assert len(chats(openai_server)) == asked + 1
    assert shown_replies(window)[-1].message.content == "Sent"
    qtbot.waitUntil(lambda: bar.pill.property("level") == 80)


def test_the_dashboard_charts_the_month_and_exports_csv(
    qtbot, cloud_window, openai_server, tmp_path
):
    window, _services = cloud_window
    openai_answers(openai_server, "One", tokens_in=1000, tokens_out=500)
    send_and_wait(qtbot, window, "Hello")
    activate(qtbot, window)
    qtbot.keyClick(
        window.composer.edit,
        Qt.Key.Key_U,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dashboard = window.costs.usage_dashboard
    assert QKeySequence("Ctrl+Shift+U").toString() in window.costs.usage_bar.summary.toolTip()
    qtbot.waitUntil(lambda: dashboard.isVisible() and dashboard.data is not None)
    qtbot.waitUntil(lambda: dashboard.data.month.totals.replies == 1)

    [spend] = dashboard.charts["spend"].series()
    [bars] = spend.barSets()
    assert bars.count() == 30
    assert bars.at(29) == pytest.approx(0.00045) and sum(bars.at(i) for i in range(29)) == 0
    [by_model] = dashboard.charts["models"].series()
    assert by_model.barSets()[0].at(0) == pytest.approx(0.00045)
    assert dashboard.charts["models"].axes(Qt.Orientation.Vertical)[0].categories() == [
        "gpt-4o-mini"
    ]
    [by_provider] = dashboard.charts["providers"].series()
    assert [s.label() for s in by_provider.slices()] == ["OpenAI  $0.00045"]
    [tokens] = dashboard.charts["tokens"].series()
    tokens_in, tokens_out = tokens.barSets()
    assert (tokens_in.at(29), tokens_out.at(29)) == (1000, 500)
    [share] = dashboard.charts["share"].series()
    assert [s.value() for s in share.slices()] == [0, 1]
    assert dashboard.month.value.text() == "$0.00045"
    assert dashboard.share.value.text() == "0%"
    what_if = dict(dashboard.what_if.texts())
    # 1,000 in and 500 out priced on gpt-4o: $0.0025 + $0.005
    assert what_if["gpt-4o  ·  OpenAI"] == "$0.0075"
    assert what_if["gpt-4o-mini  ·  OpenAI"] == "$0.00045"
    assert dashboard.budget.value.text() == "No budget" and dashboard.budget.link.isVisible()
    assert dashboard.grab().size().width() > 0

    target = tmp_path / "usage.csv"
    assert wait_for(qtbot, dashboard.export_to(target)) == 1
    [row] = read_csv(target.read_text(encoding="utf-8"))
    assert (row.model_id, row.input_tokens, row.output_tokens) == (MINI, 1000, 500)
    assert row.cost_usd == Decimal("0.00045")
    assert "Saved 1 reply to usage.csv" in dashboard.export_note.text()
    dashboard.close()


def test_compare_columns_show_each_answers_cost(qtbot, cloud_window, openai_server):
    window, _services = cloud_window
    for _ in range(2):
        openai_answers(openai_server, "Same", " answer", tokens_in=17, tokens_out=11)
    window.compare.compare("Which?", [MINI, "openai:gpt-4o"])
    view = window.compare_view
    qtbot.waitUntil(lambda: all(c.finished for c in view.columns), timeout=REPLY_TIMEOUT_MS)
    mini, full = view.columns
    assert "17 tokens in · 11 out · < $0.0001" in mini.stats.text()
    assert "Exactly $0.00000915" in mini.stats.toolTip()
    # 17 × $2.50 + 11 × $10 per 1M = $0.0001525
    assert "17 tokens in · 11 out · $0.00015" in full.stats.text()


def test_costs_settings_save_a_budget_and_a_price_of_your_own(qtbot, cloud_window, online_again):
    window, services = cloud_window
    page = window.open_settings("costs").costs
    assert window.settings.dialog.tabs.currentWidget() is page
    assert not page.hard_stop.isEnabled()  # no budget yet
    page.budget_edit.clear()
    qtbot.keyClicks(page.budget_edit, "$20")
    page.budget_edit.editingFinished.emit()
    assert services.settings.get("monthly_budget_usd") == "20"
    assert page.hard_stop.isEnabled()
    assert page.budget_note.text() == "Saved: $20.00 a month."
    qtbot.waitUntil(lambda: window.costs.usage_bar.pill.text() == "0% of $20.00 budget")
    qtbot.mouseClick(page.hard_stop, Qt.MouseButton.LeftButton)
    assert services.settings.get("budget_hard_stop") is True
    page.budget_edit.setText("twenty")
    page.budget_edit.editingFinished.emit()
    assert "not an amount" in page.budget_note.text()
    assert services.settings.get("monthly_budget_usd") == "20"

    estimate = window.composer.estimate
    qtbot.waitUntil(lambda: estimate.text() == "≈ $0.0003")
    overrides = page.overrides
    overrides.model_box.setEditText(MINI)
    assert "Price now: $0.15 / $0.60" in overrides.note.text()
    qtbot.keyClicks(overrides.input_edit, "1")
    qtbot.keyClicks(overrides.output_edit, "2")
    qtbot.mouseClick(overrides.add_button, Qt.MouseButton.LeftButton)
    assert overrides.rows() == [(MINI, "$1.00", "$2.00")]
    assert services.settings.get("price_overrides") == {MINI: {"input": "1", "output": "2"}}
    mini = window.find_model(MINI)
    assert price_text(mini) == "$1.00 / $2.00"
    assert estimate.text() == "≈ $0.001"  # 4 tokens in at $1, 500 out at $2 per 1M
    overrides.add(MINI, "abc", "2")
    assert "not a price" in overrides.note.text()

    overrides.remove(MINI)
    assert overrides.rows() == [] and price_text(mini) == "$0.15 / $0.60"
    assert estimate.text() == "≈ $0.0003"

    services.providers.set_offline(True)
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.refresh_note.text() == OFFLINE_REFRESH)


def test_totals_in_plain_words():
    assert amount_text(Totals()) == "$0"
    known = Totals(Decimal("1.2"), 10, 5, replies=2)
    assert amount_text(known) == "$1.20"
    some_unknown = Totals(Decimal("1.2"), 10, 5, replies=3, unknown_price_replies=1)
    assert amount_text(some_unknown) == "at least $1.20"
    none_known = Totals(Decimal(0), 10, 5, replies=1, unknown_price_replies=1)
    assert amount_text(none_known) == "price unknown"
