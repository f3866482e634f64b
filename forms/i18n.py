"""Chinese wording for the messages WTForms and Flask-WTF raise on their own.

WTForms ships a ``zh`` catalogue, but it speaks like a programmer ("该字段是必填字段",
"不是有效的浮点数") and is only used when Flask-Babel is configured. Our users are
clerks, so every form in this package uses :class:`ZhTranslations` directly, whatever
the application's i18n settings are. The CSRF messages of Flask-WTF bypass gettext
entirely; :func:`translate` is applied to them after validation (see ``base.ZhForm``).
"""

from __future__ import annotations

# WTForms / Flask-WTF message id -> clerk-friendly Chinese. Placeholders are kept so the
# ``%`` formatting done by WTForms still works on the translated text.
MESSAGES: dict[str, str] = {
    "This field is required.": "此项必须填写",
    "This field cannot be edited.": "此项不能修改",
    "This field is disabled and cannot have a value.": "此项不能填写",
    "Invalid input.": "填写的格式不对，请核对",
    "Invalid email address.": "电子邮箱地址格式不对",
    "Invalid value, must be one of: %(values)s.": "只能填写以下内容之一：%(values)s",
    "Invalid value, can't be any of: %(values)s.": "不能填写以下内容：%(values)s",
    "Field must be equal to %(other_name)s.": "两次填写的内容不一致",
    "Field must be at least %(min)d character long.": "至少要填写%(min)d个字",
    "Field must be at least %(min)d characters long.": "至少要填写%(min)d个字",
    "Field cannot be longer than %(max)d character.": "最多只能填写%(max)d个字",
    "Field cannot be longer than %(max)d characters.": "最多只能填写%(max)d个字",
    "Field must be exactly %(max)d character long.": "应填写%(max)d个字",
    "Field must be exactly %(max)d characters long.": "应填写%(max)d个字",
    "Field must be between %(min)d and %(max)d characters long.": "应填写%(min)d至%(max)d个字",
    "Number must be at least %(min)s.": "数值不能小于%(min)s",
    "Number must be at most %(max)s.": "数值不能大于%(max)s",
    "Number must be between %(min)s and %(max)s.": "数值应在%(min)s至%(max)s之间",
    "Date must be at least %(min)s.": "日期不能早于%(min)s",
    "Date must be at most %(max)s.": "日期不能晚于%(max)s",
    "Date must be between %(min)s and %(max)s.": "日期应在%(min)s至%(max)s之间",
    "Not a valid choice.": "请从列表中选择一项",
    "Invalid Choice: could not coerce.": "所选内容无效，请重新选择",
    "Invalid choice(s): one or more data inputs could not be coerced.": "所选内容无效，请重新选择",
    "'%(value)s' is not a valid choice for this field.": "所选内容不在可选范围内，请重新选择",
    "'%(value)s' are not valid choices for this field.": "所选内容不在可选范围内，请重新选择",
    "Not a valid date value.": "日期格式不对，请按“年-月-日”填写，如 2022-07-21",
    "Not a valid datetime value.": "日期时间格式不对，请重新填写",
    "Not a valid time value.": "时间格式不对，请重新填写",
    "Not a valid week value.": "周次格式不对，请重新填写",
    "Not a valid integer value.": "请填写整数（不带小数点和单位）",
    "Not a valid decimal value.": "请填写数字（不带单位）",
    "Not a valid float value.": "请填写数字（不带单位）",
    # Flask-WTF CSRF messages: they are not passed through gettext, so base.ZhForm
    # translates them after validation. Clerks cannot act on "token"; tell them what to do.
    "The CSRF token is missing.": "页面已失效，请刷新页面后重新填写提交",
    "The CSRF session token is missing.": "登录状态已失效，请重新登录后再提交",
    "The CSRF token has expired.": "页面停留时间过长已失效，请刷新页面后重新填写提交",
    "The CSRF token is invalid.": "页面已失效，请刷新页面后重新填写提交",
    "The CSRF tokens do not match.": "页面已失效，请刷新页面后重新填写提交",
}


def translate(message: str) -> str:
    """Return the Chinese text for a known English message, else the message unchanged."""
    return MESSAGES.get(message, message)


class ZhTranslations:
    """The minimal gettext interface WTForms asks of ``Meta.get_translations``."""

    def gettext(self, string: str) -> str:
        return translate(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Chinese has no plural forms; the singular id carries the translation.
        return translate(singular)


ZH_TRANSLATIONS = ZhTranslations()
