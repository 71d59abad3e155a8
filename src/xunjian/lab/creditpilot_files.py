"""The files of CreditPilot's app directory besides its database (runbook 001 配置文件状态 and
§5): ``cors_config.py`` (the ten origins of §7, which the lab app loads at start),
``bank_parser_templates.json`` (statement layouts per bank, about the snapshot's 34 KB) and the
env file ``.env`` (SENTRY_DSN: Sentry configured, 当前告警). Written by the seed, so a test that
removes or truncates one is undone by ``Lab().seed()``."""

from __future__ import annotations

import json
import os
from pathlib import Path

# runbook 001 §7: the ten origins the API answers with credentials
ORIGINS = (
    "https://ynqoo4ipbuar.space.minimax.io",
    "https://iz6ki2qe01mh.space.minimax.io",
    "https://finance-pilot-businessgz.replit.app",
    "https://creditpilot.digital",
    "http://localhost:3000",
    "http://localhost:5000",
    "http://localhost:5678",
    "http://localhost:8000",
    "http://127.0.0.1:3000",
    "http://127.0.0.1:5000",
)

BANKS = (
    "Maybank", "CIMB", "Public Bank", "RHB", "Hong Leong", "AmBank", "UOB Malaysia",
    "OCBC Malaysia", "HSBC Malaysia", "Standard Chartered", "Alliance Bank", "Affin Bank",
    "Bank Islam", "Bank Rakyat", "BSN", "Citibank Malaysia",
)  # fmt: skip
FIELDS = (
    ("statement_date", r"Statement Date\s*[:：]?\s*(\d{2}[/ -]\w{3}[/ -]\d{2,4})"),
    ("due_date", r"Payment Due Date\s*[:：]?\s*(\d{2}[/ -]\w{3}[/ -]\d{2,4})"),
    ("card_last4", r"(?:Card|Kad)\s*(?:No\.?|Number)?\s*[:：]?\s*[X*\d ]{12,}(\d{4})"),
    ("previous_balance", r"Previous (?:Statement )?Balance\s*(?:RM)?\s*([\d,]+\.\d{2})"),
    ("total_charges", r"(?:Total|Jumlah) (?:Debits|Charges|Caj)\s*(?:RM)?\s*([\d,]+\.\d{2})"),
    ("total_payments", r"(?:Total|Jumlah) (?:Credits|Payments|Bayaran)\s*(?:RM)?\s*([\d,]+\.\d{2})"),
    ("closing_balance", r"(?:Current|Closing|New) Balance\s*(?:RM)?\s*([\d,]+\.\d{2})"),
    ("minimum_payment", r"Minimum Payment(?: Due)?\s*(?:RM)?\s*([\d,]+\.\d{2})"),
    ("credit_limit", r"Credit Limit\s*(?:RM)?\s*([\d,]+)"),
)  # fmt: skip


def cors_config() -> str:
    lines = "\n".join(f'    "{o}",' for o in ORIGINS)
    return (
        '"""CORS for the CreditPilot API: the origins answered with credentials (runbook 001 §7).\n'
        "Loaded by the Flask app at start; after a change, restart the app and run the CORS\n"
        'check of every origin (curl -I -H "Origin: ..." http://localhost:5000/api/customers)."""\n\n'
        f"ALLOWED_ORIGINS = [\n{lines}\n]\n\n"
        "SUPPORTS_CREDENTIALS = True\n"
        'ALLOWED_METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]\n'
        'ALLOWED_HEADERS = ["Content-Type", "Authorization", "X-Requested-With"]\n'
        'EXPOSE_HEADERS = ["Content-Disposition"]\n'
        "MAX_AGE = 3600\n"
    )


def bank_templates() -> str:
    """Per bank: its statement layout, fields, transaction table and OCR settings."""
    doc: dict[str, object] = {"version": 3, "currency": "MYR", "banks": {}}
    banks: dict[str, object] = {}
    for i, bank in enumerate(BANKS):
        layouts = []
        for fmt in ("pdf-text",):
            layouts.append(
                {
                    "format": fmt,
                    "page_anchor": f"{bank.upper()} CREDIT CARD STATEMENT",
                    "fields": {name: {"pattern": rx, "group": 1} for name, rx in FIELDS},
                    "transactions": {
                        "start": r"(?:Transaction|Posting) Date",
                        "end": r"(?:Total|Jumlah) (?:Debits|Charges)",
                        "columns": ["posting_date", "transaction_date", "description", "amount"],
                        "amount": {"credit_suffix": "CR", "thousands": ",", "decimal": "."},
                        "date_formats": ["%d/%m/%Y", "%d %b %Y", "%d-%m-%y"],
                    },
                    "ocr": {"dpi": 300, "lang": "eng+msa", "min_confidence": 0.82 + i / 1000},
                }
            )
        banks[bank] = {"code": f"MY{i + 1:03d}", "layouts": layouts}
    doc["banks"] = banks
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def env_file(sentry_key: str) -> str:
    """The app's env file: Sentry's DSN (a loopback address in the lab: nothing is sent)."""
    return f"SENTRY_DSN=https://{sentry_key}@127.0.9.1:9/1\nSENTRY_ENVIRONMENT=lab\n"


def write(root: Path, secrets: dict[str, str]) -> None:
    """cors_config.py, bank_parser_templates.json and .env (mode 600) in the app's directory."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "cors_config.py").write_text(cors_config(), encoding="utf-8")
    (root / "bank_parser_templates.json").write_text(bank_templates(), encoding="utf-8")
    env = root / ".env"
    fd = os.open(env, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(env_file(secrets.get("CREDITPILOT_SENTRY_KEY", "")))
    env.chmod(0o600)
