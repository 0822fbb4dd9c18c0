# -*- coding: utf-8 -*-
"""QFPay ECR request signing, in plain Python (no Odoo import, so it can be tested alone).

Byte-for-byte the same as @qfpay-ecr/core's ``encodeRequestBody`` and Odoo's pos_qfpay:
sorted ``{k=v,k='v'}`` content, upper-case MD5 of content + POS-KEY, the envelope
``{content:..., digest:'...'}`` encrypted with AES-CBC (key = UTF-8 bytes of the POS-KEY,
IV ``qfpay202306_hjsh``, PKCS#7) and Base64-encoded.

Unlike pos_qfpay's ``qfpay_sign_request`` (a signing oracle for any payload), only valid ECR
requests are signed: known func_types, known keys with the right types, references limited to
``[A-Za-z0-9_-]`` (the notation has no escaping), and an optional payment amount limit.
"""
import base64
import hashlib
import hmac
import re
from decimal import Decimal, InvalidOperation

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ECR_IV = b"qfpay202306_hjsh"

CHANNELS = [
    ("card_payment", "Visa / Mastercard"),
    ("wx", "WeChat Pay"),
    ("alipay", "Alipay"),
    ("payme", "PayMe"),
    ("union", "UnionPay QuickPass"),
    ("fps", "FPS"),
    ("octopus", "Octopus"),
    ("unionpay_card", "UnionPay Card"),
    ("amex_card", "American Express"),
]
CHANNEL_CODES = {code for code, _label in CHANNELS}

_REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAJOR = re.compile(r"^\d+(\.\d{1,2})?$")


class EcrContentError(ValueError):
    """The content is not a valid ECR request; the message names the field, never a key."""


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _reference(field):
    def check(value):
        if not isinstance(value, str) or not _REFERENCE.match(value):
            raise EcrContentError("%s must be 1-64 characters of A-Z a-z 0-9 _ -" % field)
        return value
    return check


def _flag(field):
    def check(value):
        if not _is_int(value) or value not in (0, 1):
            raise EcrContentError("%s must be the integer 0 or 1" % field)
        return value
    return check


def _seconds(field):
    def check(value):
        if not _is_int(value) or value <= 0 or value > 3600:
            raise EcrContentError("%s must be a whole number of seconds" % field)
        return value
    return check


def _amt(value):
    if _is_int(value):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    else:
        raise EcrContentError("amt must be a number of dollars")
    if not _MAJOR.match(text) or Decimal(text) <= 0:
        raise EcrContentError("amt must be a positive amount with at most 2 decimals")
    return value


def _refund_amount(value):
    if not isinstance(value, str) or not _MAJOR.match(value) or Decimal(value) <= 0:
        raise EcrContentError('refund_amount must be a dollar string like "12.50"')
    return value


def _channel(value):
    if value not in CHANNEL_CODES:
        raise EcrContentError("channel must be one of %s" % ", ".join(sorted(CHANNEL_CODES)))
    return value


def _scan_type(value):
    if value not in ("QRCODE_PAY", "SCAN_PAY"):
        raise EcrContentError("scan_type must be QRCODE_PAY or SCAN_PAY")
    return value


SCHEMAS = {
    1001: {
        "required": {"amt": _amt, "channel": _channel},
        "optional": {
            "out_trade_no": _reference("out_trade_no"),
            "camera_id": _flag("camera_id"),
            "payment_timeout": _seconds("payment_timeout"),
            "wait_card_timeout": _seconds("wait_card_timeout"),
            "scan_type": _scan_type,
            "moveToBack": _flag("moveToBack"),
        },
    },
    1002: {
        "required": {"orderId": _reference("orderId")},
        "optional": {"refund_amount": _refund_amount, "allow_modify_flag": _flag("allow_modify_flag"), "moveToBack": _flag("moveToBack")},
    },
    3001: {"required": {"orderId": _reference("orderId")}, "optional": {}},
    3002: {"required": {}, "optional": {}},
    4001: {"required": {}, "optional": {"orderId": _reference("orderId"), "out_trade_no": _reference("out_trade_no")}},
    5001: {"required": {}, "optional": {}},
}


def validate_content(content, allowed_func_types=None, max_amount_minor=None):
    """Checks request content against the ECR schemas; returns a clean copy or raises EcrContentError."""
    if not isinstance(content, dict):
        raise EcrContentError("the request must be an object")
    func_type = content.get("func_type")
    if not _is_int(func_type) or func_type not in SCHEMAS:
        raise EcrContentError("func_type must be one of 1001, 1002, 3001, 3002, 4001, 5001 (an integer)")
    if allowed_func_types is not None and func_type not in allowed_func_types:
        raise EcrContentError("func_type %d may not be signed here" % func_type)
    schema = SCHEMAS[func_type]
    known = set(schema["required"]) | set(schema["optional"]) | {"func_type"}
    unknown = sorted(set(content) - known)
    if unknown:
        raise EcrContentError("unknown field(s): %s" % ", ".join(unknown))
    clean = {"func_type": func_type}
    for field, check in schema["required"].items():
        if field not in content:
            raise EcrContentError("%s is required" % field)
        clean[field] = check(content[field])
    for field, check in schema["optional"].items():
        if field in content and content[field] is not None:
            clean[field] = check(content[field])
    if func_type == 4001 and ("orderId" in clean) == ("out_trade_no" in clean):
        raise EcrContentError("a 4001 query needs exactly one of orderId or out_trade_no")
    if func_type == 1001 and max_amount_minor is not None:
        try:
            minor = int(Decimal(str(clean["amt"])) * 100)
        except InvalidOperation:
            raise EcrContentError("amt is not a number")
        if minor > max_amount_minor:
            raise EcrContentError("the amount is above the limit this server signs")
    return clean


def format_content(content):
    """``{k1=v1,k2='v2'}`` with keys sorted; strings quoted, numbers bare, None as ''."""
    parts = []
    for key in sorted(content):
        value = content[key]
        if value is None:
            value = ""
        parts.append("%s='%s'" % (key, value) if isinstance(value, str) else "%s=%s" % (key, value))
    return "{" + ",".join(parts) + "}"


def digest(formatted, pos_key):
    return hashlib.md5((formatted + pos_key).encode("utf-8")).hexdigest().upper()


def _aes_key(pos_key):
    key = (pos_key or "").encode("utf-8")
    if len(key) not in (16, 24, 32):
        raise EcrContentError("the POS-KEY must be 16, 24 or 32 bytes long")
    return key


def encrypt_request(content, pos_key):
    """The Base64 ciphertext the terminal expects (the HTTP body is it as a JSON string)."""
    key = _aes_key(pos_key)
    formatted = format_content(content)
    envelope = "{content:%s, digest:'%s'}" % (formatted, digest(formatted, pos_key))
    padder = padding.PKCS7(128).padder()
    data = padder.update(envelope.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(ECR_IV)).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def verify_notification(raw_body, sign_header, notification_key):
    """``X-QF-SIGN`` = upper-case MD5(raw body bytes + key), compared in constant time."""
    if not notification_key or not sign_header:
        return False
    expected = hashlib.md5(raw_body + notification_key.encode("utf-8")).hexdigest().upper()
    # Bytes, not str: compare_digest raises TypeError on a non-ASCII str, which a sender controls.
    return hmac.compare_digest(expected.encode("ascii"), sign_header.strip().upper().encode("utf-8"))


def split_out_trade_no(value):
    """pos_qfpay's ``<uuid>--<session id>--<payment method id>`` → (uuid, session_id, pm_id) or None."""
    if not isinstance(value, str) or not _REFERENCE.match(value):
        return None
    parts = value.split("--")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return parts[0], int(parts[1]), int(parts[2])
