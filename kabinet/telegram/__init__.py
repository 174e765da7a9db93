"""The Telegram bot: linking a chat from the profile, the webhook and polling, the conversation, the paced outbox."""
