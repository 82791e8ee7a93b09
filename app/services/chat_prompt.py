"""What a reply is asked with: the system prompt, the memories, the history as a ChatRequest."""

from __future__ import annotations

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.records import Message
from app.services.memory import MemoryService, PromptPlan
from app.services.models import ModelService
from app.store.settings import Settings


class PromptBuilder:
    def __init__(
        self, models: ModelService, settings: Settings, memory: MemoryService | None
    ) -> None:
        self._models = models
        self._settings = settings
        self._memory = memory  # None: no memories, no per-conversation system prompt

    def default_system_prompt(self, model: ModelInfo) -> str:
        """The model's own system prompt, else the app-wide one."""
        defaults = self._models.defaults_for(model.id)
        return defaults.get("system_prompt") or self._settings.get("system_prompt") or ""

    async def plan(
        self, cid: int, model: ModelInfo, history: list[Message], reply_id: int
    ) -> PromptPlan:
        """The conversation's own system prompt (else the default one) plus the memories this
        model may see; which memories went in is stored with the reply."""
        default = self.default_system_prompt(model)
        if self._memory is None:
            return PromptPlan(default)
        plan = await self._memory.plan_prompt(
            conversation_id=cid, model=model, history=history, default_prompt=default
        )
        await self._memory.record_used(message_id=reply_id, memories=plan.memories)
        return plan

    def request(
        self,
        history: list[Message],
        *,
        max_tokens: int | None = None,
        model: ModelInfo,
        system_prompt: str | None = None,
    ) -> ChatRequest:
        messages = []
        defaults = self._models.defaults_for(model.id)
        if system_prompt is None:
            system_prompt = self.default_system_prompt(model)
        system_prompt = system_prompt.strip()
        if system_prompt:
            messages.append(ChatMessage("system", system_prompt))
        for m in history:
            if (m.content or m.images) and m.role in ("user", "assistant"):
                messages.append(ChatMessage(m.role, m.content))
        max_tokens = max_tokens or self._settings.get("max_tokens")
        return ChatRequest(
            messages=tuple(messages),
            temperature=float(defaults.get("temperature", self._settings.get("temperature", 0.7))),
            max_tokens=int(max_tokens) if max_tokens else None,
        )
