from django import forms
from django.utils.translation import gettext_lazy as _


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã 6 chữ số trong ứng dụng"), max_length=16, strip=True,
        error_messages={"required": _("Hãy nhập mã 6 chữ số đang hiện trong ứng dụng xác thực.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True, "size": 10}),
    )


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực hoặc mã khôi phục"), max_length=32, strip=True,
        help_text=_("Mã 6 chữ số trong ứng dụng; nếu mất điện thoại, một mã khôi phục 8 ký tự."),
        error_messages={"required": _("Hãy nhập mã 6 chữ số trong ứng dụng, hoặc một mã khôi phục.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "size": 16}),
    )
