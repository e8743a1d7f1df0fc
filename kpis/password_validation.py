"""The portal's own password rules, added to Django's (settings.AUTH_PASSWORD_VALIDATORS):
three of the four character classes, no common Vietnamese choice dressed up
with digits and symbols, and none of the user's last passwords. Django calls
every validator's ``password_changed`` after a password is saved, which is
where the reuse history is written."""

import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kpis.models import PasswordHistory

CHARACTER_CLASSES_REQUIRED = 3

# Words people in Vietnamese offices pick and then decorate ("Matkhau@123",
# "Admin@2024", "P@ssw0rd"): Django's list is English and does not know them.
COMMON_WORDS = frozenset({
    "matkhau", "matma", "password", "passwd", "pass", "admin", "administrator", "quantri", "quantrivien",
    "root", "user", "test", "demo", "guest", "welcome", "changeme", "letmein", "abc", "abcd", "abcde",
    "abcdef", "qwerty", "qwertyuiop", "asdfgh", "zxcvbn", "iloveyou", "anhyeuem", "emyeuanh", "yeuem",
    "vietnam", "hanoi", "saigon", "hochiminh", "haugiang", "congthongtin", "chuyendoiso", "baocao",
    "sotttt", "thongtin", "truyenthong", "khongbiet", "xinchao", "hello", "portal",
})
_LEET = str.maketrans({"@": "a", "4": "a", "$": "s", "5": "s", "0": "o", "1": "i", "3": "e", "7": "t"})


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digit and symbol the password uses."""
    return sum((
        any(char.islower() for char in password),
        any(char.isupper() for char in password),
        any(char.isdigit() for char in password),
        any(not char.isalnum() for char in password),
    ))


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message in Vietnamese: Django 5.2 reworded it and
    its Vietnamese catalogue has not caught up."""

    def get_error_message(self) -> str:
        return _("Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}


class CharacterClassesValidator:
    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < CHARACTER_CLASSES_REQUIRED:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có ít nhất ba trong bốn loại ký tự: chữ thường, chữ hoa, chữ số, ký hiệu.")


def _letters(text: str) -> str:
    without_marks = "".join(char for char in unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
                            if not unicodedata.combining(char))
    return "".join(char for char in without_marks.lower() if char.isalpha())


def _word_cores(password: str) -> set[str]:
    """The letters of the password, read plainly and with look-alikes
    (``P@ssw0rd``) read as letters once the trailing digits and symbols that
    decorate it are set aside."""
    word = password.rstrip("".join(char for char in password if not char.isalpha()))
    return {_letters(password), _letters(word.translate(_LEET)), _letters(password.translate(_LEET))}


class LocalCommonPasswordValidator:
    """Refuses a common word (with or without Vietnamese marks, with letters
    written as look-alike digits or symbols) padded with digits and symbols."""

    def validate(self, password: str, user=None) -> None:
        if _word_cores(password) & COMMON_WORDS:
            raise ValidationError(
                _("Mật khẩu này quá dễ đoán: chỉ là một từ thông dụng thêm chữ số hoặc ký hiệu."),
                code="password_too_common")

    def get_help_text(self) -> str:
        return _("Mật khẩu không được là một từ thông dụng (như “matkhau” hay “admin”) thêm chữ số hoặc ký hiệu.")


class PasswordHistoryValidator:
    """Refuses the user's current password and the last PASSWORD_HISTORY_COUNT ones."""

    def validate(self, password: str, user=None) -> None:
        count = settings.PASSWORD_HISTORY_COUNT
        if not count or user is None or user.pk is None:
            return
        current = get_user_model()._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        recent = list(PasswordHistory.objects.filter(user_id=user.pk)
                      .values_list("password_hash", flat=True)[:count])
        if any(encoded and check_password(password, encoded) for encoded in [current, *recent]):
            raise ValidationError(
                ngettext("Không được dùng lại mật khẩu hiện tại hay %(count)d mật khẩu gần nhất.",
                         "Không được dùng lại mật khẩu hiện tại hay %(count)d mật khẩu gần nhất.", count)
                % {"count": count},
                code="password_reused")

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password_hash=user.password)
        # The newest row dates the current password, so one is kept even when reuse is allowed.
        keep = max(settings.PASSWORD_HISTORY_COUNT, 1)
        stale = list(PasswordHistory.objects.filter(user=user).values_list("id", flat=True)[keep:])
        if stale:
            PasswordHistory.objects.filter(id__in=stale).delete()

    def get_help_text(self) -> str:
        count = settings.PASSWORD_HISTORY_COUNT
        if not count:
            return ""
        return ngettext("Mật khẩu mới phải khác %(count)d mật khẩu gần nhất.",
                        "Mật khẩu mới phải khác %(count)d mật khẩu gần nhất.", count) % {"count": count}
