"""The “Tools on / off” chip above the message box shows only once a tool server is set up:
with none there is nothing to switch on (and no tools are offered even if it was left on)."""

from __future__ import annotations

from tests.tools.support import stdio_config
from tests.ui.support import wait_for


def test_the_chip_comes_and_goes_with_the_tool_servers(qtbot, open_window):
    window, services = open_window()
    services.settings.set("tools_in_chat", True)
    chip = window.tools.switch
    assert chip.isHidden() and not window.tools.enabled
    assert window.tools.session_for_reply() is None

    services.tools.add(stdio_config("calc"))
    assert not chip.isHidden()
    chip.setChecked(True)
    assert window.tools.enabled and window.tools.session_for_reply() is not None

    wait_for(qtbot, services.tools.remove("calc"))
    assert chip.isHidden() and window.tools.session_for_reply() is None
