"""The model picker: what it lists and in which order, search, keyboard, favourites, offline."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import secrets
from app.core.chat import ModelInfo
from app.providers.registry import get_provider
from app.services.models import ModelGroup
from app.ui.models.picker_entries import (
    NEEDS_KEY,
    OFFLINE_TIP,
    build_entries,
    context_text,
    next_choosable,
    price_text,
)
from tests.ui.support import OPENAI_KEY, activate, add_tiny_model

LOCAL = ModelInfo("tiny", "local", "Tiny Llama", context_length=2048)
OLLAMA = ModelInfo(
    "ollama:llama3.2", "ollama", "llama3.2", provider_name="Ollama", on_this_computer=True
)
MINI = ModelInfo("openai:gpt-4o-mini", "openai", "gpt-4o-mini", 128_000, provider_name="OpenAI")
BIG = ModelInfo("openai:gpt-4o", "openai", "gpt-4o", 128_000, provider_name="OpenAI")
CLAUDE = ModelInfo("anthropic:claude", "anthropic", "claude", provider_name="Anthropic")
GROUPS = [
    ModelGroup(None, [LOCAL]),
    ModelGroup(get_provider("ollama"), [OLLAMA]),
    ModelGroup(get_provider("openai"), [MINI, BIG]),
    ModelGroup(get_provider("anthropic"), [CLAUDE], needs_key=True),
]


def rows(entries):
    return [(e.kind, e.title) for e in entries]


def test_favourites_and_recent_first_then_groups_then_keys_needed():
    entries = build_entries(
        GROUPS, favourites=[BIG.id], recent=[BIG.id, LOCAL.id], offline=False, current_id=MINI.id
    )
    assert rows(entries) == [
        ("section", "Favourites"),
        ("model", "gpt-4o"),
        ("section", "Recent"),
        ("model", "Tiny Llama"),
        ("section", "On this computer"),  # model files and Ollama together
        ("model", "Tiny Llama"),
        ("model", "llama3.2"),
        ("section", "OpenAI"),
        ("model", "gpt-4o-mini"),
        ("model", "gpt-4o"),
        ("section", NEEDS_KEY),
        ("add_key", "Anthropic"),
    ]
    assert entries[1].favourite and entries[1].detail == "OpenAI"
    assert entries[6].detail == "Ollama" and entries[6].model.is_local
    assert [e.current for e in entries if e.kind == "model"].count(True) == 1


def test_search_matches_names_and_providers_once_each():
    found = build_entries(GROUPS, favourites=[BIG.id], recent=[], offline=False, query="4O")
    assert rows(found) == [("section", "OpenAI"), ("model", "gpt-4o-mini"), ("model", "gpt-4o")]
    by_provider = build_entries(GROUPS, favourites=[], recent=[], offline=False, query="anthro")
    assert rows(by_provider) == [("section", NEEDS_KEY), ("add_key", "Anthropic")]
    assert build_entries(GROUPS, favourites=[], recent=[], offline=False, query="zzz") == []


def test_offline_greys_out_online_models_only():
    entries = build_entries(GROUPS, favourites=[], recent=[], offline=True)
    blocked = [e for e in entries if e.kind == "model" and not e.enabled]
    assert [e.title for e in blocked] == ["gpt-4o-mini", "gpt-4o"]
    assert all(e.tooltip == OFFLINE_TIP for e in blocked)
    assert next_choosable(entries, 4, 1) == 7  # from the OpenAI heading to the “Add key” row


def test_context_and_price_words():
    assert context_text(128_000) == "128K context"
    assert context_text(1_047_576) == "1M context"
    assert context_text(1_500_000) == "1.5M context"
    assert context_text(None) == ""
    assert price_text(LOCAL) == "free"
    assert price_text(MINI) == "—"  # prices arrive with the cost meter


def test_ctrl_k_search_keyboard_and_favourites(qtbot, open_window, tiny_gguf):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    local = add_tiny_model(qtbot, window, tiny_gguf)
    picker = window.picker
    activate(qtbot, window)
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(picker.isVisible)
    assert picker.search.hasFocus()
    assert "Anthropic" in picker.shown_titles()  # a provider without a key: “Add key…”
    current = picker.entries[picker.list.currentIndex().row()]
    assert current.model.id == local.id  # it opens on the model in use

    qtbot.keyClicks(picker.search, "gpt-4o")
    # OpenRouter offers one too, once it has a key.
    assert picker.shown_titles() == ["gpt-4o-mini", "gpt-4o", "OpenRouter"]
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    assert picker.entries[picker.list.currentIndex().row()].title == "gpt-4o"
    qtbot.keyClick(picker.search, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert services.settings.get("favourite_models") == ["openai:gpt-4o"]
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible())
    assert window.current_model.id == "openai:gpt-4o"
    assert window.header.picker.text().startswith("gpt-4o")
    assert services.settings.get("default_model") == "openai:gpt-4o"

    qtbot.mouseClick(window.header.picker, Qt.MouseButton.LeftButton)  # the header button too
    qtbot.waitUntil(picker.isVisible)
    assert picker.entries[0].title == "Favourites" and picker.entries[1].title == "gpt-4o"
    qtbot.keyClick(picker.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not picker.isVisible())
    assert window.current_model.id == "openai:gpt-4o"


def test_add_key_row_opens_settings_on_that_provider(qtbot, open_window, tiny_gguf):
    window, _services = open_window()
    add_tiny_model(qtbot, window, tiny_gguf)
    window.models.open_picker()
    qtbot.keyClicks(window.picker.search, "anthropic")
    qtbot.keyClick(window.picker.search, Qt.Key.Key_Return)
    dialog = window.settings.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.providers.current.provider_id == "anthropic"
    assert dialog.focusWidget() is dialog.providers.current.key_edit
    dialog.close()


def test_offline_mode_greys_out_online_models_in_the_picker(
    qtbot, open_window, tiny_gguf, online_again
):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    add_tiny_model(qtbot, window, tiny_gguf)
    services.providers.set_offline(True)
    window.models.open_picker()
    picker = window.picker
    online = [e for e in picker.entries if e.model is not None and not e.model.is_local]
    assert online and all(not e.enabled and e.tooltip == OFFLINE_TIP for e in online)
    assert picker.offline_note.isVisible()
    row = next(i for i, e in enumerate(picker.entries) if e in online)
    picker.choose_row(row)  # a greyed row cannot be chosen
    assert picker.isVisible() and window.current_model.is_local
    for _ in range(len(picker.entries)):  # the arrow keys never stop on a greyed row
        qtbot.keyClick(picker.search, Qt.Key.Key_Down)
        assert picker.entries[picker.list.currentIndex().row()].enabled
    picker.close()


def test_rows_lead_with_plain_words_and_keep_the_numbers_in_the_tooltip(
    qtbot, open_window, tiny_gguf
):
    from app.ui.models import picker_entries
    from app.ui.models.picker_delegate import PickerDelegate

    secrets.set_key("openai", OPENAI_KEY)
    window, _services = open_window()
    local = add_tiny_model(qtbot, window, tiny_gguf)
    window.models.open_picker()
    picker = window.picker
    assert picker_entries.price_lookup is not None  # the window's cost meter knows prices

    def row_of(model_id):
        return next(i for i, e in enumerate(picker.entries) if e.model and e.model.id == model_id)

    # What the row shows (PickerDelegate paints plain_text), and what hovering it tells.
    mini = picker.entries[row_of("openai:gpt-4o-mini")]
    assert picker_entries.plain_text(mini.model) == "about $0.0004 a message"
    tip = picker.model.item(row_of("openai:gpt-4o-mini")).toolTip()
    assert tip.startswith("Your messages are sent to OpenAI.")
    assert "$0.15 / $0.60" in tip and "128,000 tokens" in tip and "1,000 tokens read" in tip
    size = picker_entries.plain_text(local)
    assert size.endswith(("KB", "MB")) and "Q" not in size  # “650 MB”, no quantization
    local_tip = picker.model.item(row_of(local.id)).toolTip()
    assert local_tip.startswith("Your messages stay on this computer.") and "tokens" in local_tip
    assert not hasattr(PickerDelegate, "_paint_captions")  # no “Context” / “Price / 1M” heads
    picker.grab().save("/tmp/hearth13-picker.png")
    picker.close()
