"""Cloud providers and local servers as Settings shows them: keys, base URLs, offline mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app import netguard, secrets
from app.core.chat import ModelInfo
from app.core.documents import Passage
from app.core.privacy import Finding, scan_for_sensitive
from app.core.records import Message
from app.providers import registry
from app.services.models import ModelService
from app.store.settings import Settings


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    spec: registry.ProviderSpec
    key_source: str | None  # "keychain", "session", "environment" or None (never the key)
    base_url: str
    base_url_overridden: bool

    @property
    def ready(self) -> bool:
        return not self.spec.needs_key or self.key_source is not None


class ProviderService:
    def __init__(self, models: ModelService, settings: Settings) -> None:
        self._models = models
        self._settings = settings
        netguard.set_offline_mode(bool(settings.get("offline_mode")))

    # -- what Settings → Providers lists -------------------------------------------------------

    def statuses(self) -> list[ProviderStatus]:
        return [self.status(spec.id) for spec in registry.all_providers()]

    def status(self, provider_id: str) -> ProviderStatus:
        spec = registry.get_provider(provider_id)
        url = registry.base_url_for(spec, self._models.base_url_overrides)
        return ProviderStatus(spec, secrets.key_source(spec.id), url, url != spec.default_base_url)

    @property
    def keychain_available(self) -> bool:
        return secrets.keychain_available()

    @property
    def keychain_name(self) -> str:
        return secrets.keychain_name()

    # -- keys ----------------------------------------------------------------------------------

    def set_key(self, provider_id: str, key: str, *, session_only: bool = False) -> None:
        """Keychain by default; session-only where there is no keychain or the user asks."""
        spec = registry.get_provider(provider_id)
        if session_only:
            secrets.set_session_key(spec.id, key)
        else:
            secrets.set_key(spec.id, key)

    def remove_key(self, provider_id: str) -> None:
        secrets.delete_key(registry.get_provider(provider_id).id)

    async def test(self, provider_id: str) -> list[ModelInfo]:
        """ "Test": list the provider's models with the key and base URL now in force."""
        return await self._models.refresh_provider(provider_id)

    def set_base_url(self, provider_id: str, url: str | None) -> None:
        spec = registry.get_provider(provider_id)
        urls = self._models.base_url_overrides
        if url and url.strip().rstrip("/") != spec.default_base_url:
            urls[spec.id] = url.strip().rstrip("/")
        else:
            urls.pop(spec.id, None)
        self._settings.set("base_urls", urls)

    # -- privacy -------------------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        return netguard.offline_mode_enabled()

    def set_offline(self, enabled: bool) -> None:
        """While on, nothing opens a connection beyond this computer; cloud models grey out."""
        self._settings.set("offline_mode", bool(enabled))
        netguard.set_offline_mode(bool(enabled))

    def available(self, model: ModelInfo) -> bool:
        """False for models that would leave this computer while offline mode is on."""
        return model.is_local or not self.offline

    def check_before_sending(
        self,
        text: str,
        model: ModelInfo,
        *,
        history: Sequence[Message] = (),
        passages: Sequence[Passage] = (),
    ) -> list[Finding]:
        """Secrets and personal data in what is about to leave this computer: the new text, the
        earlier turns of `history` that this provider has not been sent before (a chat that
        moves from a local model to a cloud one sends its whole history), and the passages of
        the user's files that go with it (DocumentPlan.passages)."""
        if model.is_local or not self._settings.get("privacy_check", True):
            return []
        findings = scan_for_sensitive(text)
        for message in unseen_by(model.provider, history):
            findings += scan_for_sensitive(message.content)
        for passage in passages:
            findings += scan_for_sensitive(passage.text)
        return findings


def unseen_by(provider: str, history: Sequence[Message]) -> list[Message]:
    """Messages of a branch that no reply of `provider` has had in its prompt yet."""
    last_sent = max(
        (i for i, m in enumerate(history) if m.role == "assistant" and m.provider == provider),
        default=-1,
    )
    return [m for m in history[last_sent + 1 :] if m.role in ("user", "assistant") and m.content]
