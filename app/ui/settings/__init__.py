"""The settings dialog and its general pages: providers (keys and their panel), privacy,
appearance and chats. Feature-specific pages live with their feature (costs, memory) and are
added by the dialog."""
