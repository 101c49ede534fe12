"""The baseline of ``bench/telegram_e2e.py``: a bare python-telegram-bot echo bot.

``python -m bench._telegram_echo`` with ``TELEGRAM_BOT_TOKEN`` and
``TELEGRAM_BASE_URL`` set polls that Bot API server until SIGTERM or SIGINT.
It does what any Telegram bot must do and nothing else: texts and shared
contacts are echoed, a pressed button is answered (``answerCallbackQuery``)
and echoed. Every echo carries one inline button, so the next callback has a
real message to point at, like carebot's keyboards.

Updates are processed one at a time, PTB's default. With ``concurrent_updates``
this bot is slower, not faster, under 200 patients (measured here: ~115
instead of ~400 updates/s, ~7 instead of ~1.6 ms CPU per update): httpcore's
connection pool scans every connection, with two system calls each, for every
request it queues. The default is the stronger baseline.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="again")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text (or the shared phone number) back."""
    message = update.effective_message
    if message is None:
        return
    text = message.contact.phone_number if message.contact else message.text or "?"
    await context.bot.send_message(message.chat.id, text, reply_markup=KEYBOARD)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the button's spinner, then say which button it was."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id, f"pressed {query.data}", reply_markup=KEYBOARD
    )


def main() -> None:
    """Poll until SIGTERM/SIGINT (``run_polling`` stops cleanly on both)."""
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_BASE_URL"])
        .concurrent_updates(False)  # the default, said out loud (see above)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT | filters.CONTACT, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main()
