"""The Telegram channel (python-telegram-bot 22, asyncio): ``app`` builds and runs the bot."""
