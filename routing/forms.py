from django import forms
from django.utils.translation import gettext_lazy as _

from routing.models import DepartmentProfile


class ProfileForm(forms.ModelForm):
    """A department's routing profile as a list editor edits it (routing.services.profile_update saves it)."""

    class Meta:
        model = DepartmentProfile
        fields = ["dept_type", "functions", "keywords"]
        widgets = {
            "functions": forms.Textarea(attrs={"rows": 6, "maxlength": 3000}),
            "keywords": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        }

    def clean_functions(self):
        value = (self.cleaned_data.get("functions") or "").strip()
        if len(value) < 10:
            raise forms.ValidationError(_("请用至少一句话写明本部门的法定职责（不少于 10 个字）。"))
        if len(value) > 3000:
            raise forms.ValidationError(_("法定职责最多 3000 字。"))
        return value
