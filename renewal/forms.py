from django import forms

from renewal import calendar as workdays


class WorkdayForm(forms.Form):
    start = forms.DateField(
        label="起算日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入有效日期，如 2025-09-26。", "required": "请填写起算日。"},
    )
    days = forms.IntegerField(
        label="工作日天数",
        min_value=0,
        max_value=2000,
        error_messages={
            "min_value": "天数不能为负数。",
            "required": "请填写天数。",
            "invalid": "请输入整数。",
        },
    )

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start.year < 1900 or start.year > 2199:
            raise forms.ValidationError("日期超出可计算范围（1900—2199年）。")
        return start

    def answer(self):
        return workdays.add_working_days(self.cleaned_data["start"], self.cleaned_data["days"])
