"""The sidebar: New chat (▾ for a chat with a persona), a search box, and the conversations
(pinned first, then most recent)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.records import Conversation
from app.ui.conversations.conversation_delegate import (
    HEADER_ROLE,
    ID_ROLE,
    PINNED_ROLE,
    ConversationDelegate,
)
from app.ui.conversations.conversation_groups import grouped

SEARCH_DELAY_MS = 200


class ConversationList(QFrame):
    new_chat_requested = Signal()
    conversation_chosen = Signal(int)
    rename_requested = Signal(int, str)
    pin_requested = Signal(int, bool)
    delete_requested = Signal(int)
    export_requested = Signal(int)
    search_changed = Signal(str)
    persona_chat_requested = Signal(int)  # a new chat with this persona
    personas_requested = Signal()  # Settings → Personas
    system_prompt_requested = Signal(int)  # conversation id
    use_persona_requested = Signal(int, int)  # conversation id, persona id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self._current_id: int | None = None
        self._personas: list[tuple[int, str]] = []
        self.new_chat_button = QPushButton("+  New chat", self)
        self.new_chat_button.setObjectName("newChatButton")
        self.new_chat_button.setCursor(Qt.CursorShape.PointingHandCursor)
        shortcut = QKeySequence(QKeySequence.StandardKey.New).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        self.new_chat_button.setToolTip(f"New chat ({shortcut})")
        self.new_chat_button.clicked.connect(self.new_chat_requested)
        self.persona_button = QToolButton(self)
        self.persona_button.setObjectName("newChatMenuButton")
        self.persona_button.setText("▾")
        self.persona_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.persona_button.setToolTip("New chat with a persona")
        self.persona_button.setAccessibleName("New chat with a persona")
        self.persona_button.clicked.connect(self.show_persona_menu)
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Search chats")
        self.search_box.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.search_changed.emit(self.search_text()))
        self.search_box.textChanged.connect(lambda _text: self._search_timer.start())
        self.list = self._build_list()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 12, 10, 10)
        layout.setSpacing(8)
        new_row = QHBoxLayout()
        new_row.setSpacing(4)
        new_row.addWidget(self.new_chat_button, 1)
        new_row.addWidget(self.persona_button)
        layout.addLayout(new_row)
        layout.addWidget(self.search_box)
        layout.addWidget(self.list, 1)

    def _build_list(self) -> QListWidget:
        view = QListWidget(self)
        view.setObjectName("conversationList")
        view.setItemDelegate(ConversationDelegate(view))
        view.setFrameShape(QFrame.Shape.NoFrame)
        view.setMouseTracking(True)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._show_menu_at)
        view.currentItemChanged.connect(self._on_current_changed)
        view.itemChanged.connect(self._on_item_edited)
        return view

    # -- contents ------------------------------------------------------------------------------

    def set_conversations(self, conversations: list[Conversation]) -> None:
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for label, members in grouped(conversations):
                self.list.addItem(self._header_item(label))
                for conversation in members:
                    self.list.addItem(self._conversation_item(conversation))
            self._select_quietly(self._current_id)
        finally:
            self.list.blockSignals(False)

    def select(self, conversation_id: int | None) -> None:
        self._current_id = conversation_id
        self.list.blockSignals(True)
        try:
            self._select_quietly(conversation_id)
        finally:
            self.list.blockSignals(False)

    def titles(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count()) if self._is_row(i)]

    def item_for(self, conversation_id: int) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ID_ROLE) == conversation_id:
                return item
        return None

    def search_text(self) -> str:
        return self.search_box.text().strip()

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def start_rename(self, conversation_id: int) -> None:
        item = self.item_for(conversation_id)
        if item is not None:
            self.list.scrollToItem(item)
            self.list.editItem(item)

    # -- menu ----------------------------------------------------------------------------------

    def menu_for(self, conversation_id: int, pinned: bool, parent: QWidget) -> QMenu:
        """The same menu serves right-click here and the “…” button above the chat."""
        menu = QMenu(parent)
        menu.addAction("Rename", lambda: self.start_rename(conversation_id))
        menu.addAction(
            "Unpin" if pinned else "Pin to top",
            lambda: self.pin_requested.emit(conversation_id, not pinned),
        )
        menu.addAction("Export…", lambda: self.export_requested.emit(conversation_id))
        menu.addSeparator()
        menu.addAction("System prompt…", lambda: self.system_prompt_requested.emit(conversation_id))
        self._add_persona_menu(menu, conversation_id)
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete_requested.emit(conversation_id))
        return menu

    def set_personas(self, personas: list[tuple[int, str]]) -> None:
        """(id, name) of each persona, for “New chat with …” and “Use persona”."""
        self._personas = list(personas)

    def persona_menu(self, parent: QWidget) -> QMenu:
        """The ▾ beside New chat: a new chat with each persona, and where to make them."""
        menu = QMenu(parent)
        for persona_id, name in self._personas:
            menu.addAction(
                f"New chat with {name}",
                lambda _c=False, p=persona_id: self.persona_chat_requested.emit(p),
            )
        if self._personas:
            menu.addSeparator()
            menu.addAction("Manage personas…", lambda: self.personas_requested.emit())
        else:
            menu.addAction("Create a persona…", lambda: self.personas_requested.emit())
        return menu

    def show_persona_menu(self) -> QMenu:
        menu = self.persona_menu(self)
        button = self.persona_button
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        self._open_menu = menu  # kept alive while it is shown
        return menu

    def _add_persona_menu(self, menu: QMenu, conversation_id: int) -> None:
        sub = menu.addMenu("Use persona")
        for persona_id, name in self._personas:
            sub.addAction(
                name,
                lambda _c=False, p=persona_id: self.use_persona_requested.emit(conversation_id, p),
            )
        if self._personas:
            sub.addSeparator()
            sub.addAction("Manage personas…", lambda: self.personas_requested.emit())
        else:
            sub.addAction("Create a persona…", lambda: self.personas_requested.emit())

    def is_pinned(self, conversation_id: int) -> bool:
        item = self.item_for(conversation_id)
        return bool(item and item.data(PINNED_ROLE))

    def _show_menu_at(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(HEADER_ROLE):
            return
        menu = self.menu_for(item.data(ID_ROLE), bool(item.data(PINNED_ROLE)), self)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    # -- internals -----------------------------------------------------------------------------

    def _header_item(self, label: str) -> QListWidgetItem:
        item = QListWidgetItem(label)
        item.setData(HEADER_ROLE, True)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        return item

    def _conversation_item(self, conversation: Conversation) -> QListWidgetItem:
        item = QListWidgetItem(conversation.title)
        item.setData(ID_ROLE, conversation.id)
        item.setData(PINNED_ROLE, conversation.pinned)
        item.setToolTip(conversation.title)
        flags = (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
        )
        item.setFlags(flags)
        return item

    def _is_row(self, row: int) -> bool:
        return not self.list.item(row).data(HEADER_ROLE)

    def _select_quietly(self, conversation_id: int | None) -> None:
        item = self.item_for(conversation_id) if conversation_id is not None else None
        if item is None:
            self.list.setCurrentItem(None)
            self.list.clearSelection()
        else:
            self.list.setCurrentItem(item)

    def _on_current_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is None or current.data(HEADER_ROLE):
            return
        conversation_id = current.data(ID_ROLE)
        if conversation_id != self._current_id:
            self._current_id = conversation_id
            self.conversation_chosen.emit(conversation_id)

    def _on_item_edited(self, item: QListWidgetItem) -> None:
        if item.data(HEADER_ROLE) or item.data(ID_ROLE) is None:
            return
        title = item.text().strip()
        if title:
            self.rename_requested.emit(item.data(ID_ROLE), title)
