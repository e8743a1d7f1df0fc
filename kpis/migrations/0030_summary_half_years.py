"""Half-year summaries: subscriptions may be to a unit's half-years; an administrator's date
names its period (existing dates stay yearly: the default, 0); a sending is once per
subscription, year and period. Sendings the send_summary command made for a half-year
(period 101, 102) were recorded with the kind "year": they take the kind "half_year"."""

from django.conf import settings
from django.db import migrations, models


def half_year_sendings_of_their_kind(apps, schema_editor):
    apps.get_model("kpis", "SummarySending").objects.filter(period__in=[101, 102]).update(period_kind="half_year")


def back_to_years_only(apps, schema_editor):
    """Going back: what only this migration can hold goes (half-year subscriptions and
    dates; their sendings stay recorded, without their subscription), the rest is yearly."""
    apps.get_model("kpis", "SummarySubscription").objects.filter(period_kind="half_year").delete()
    apps.get_model("kpis", "SummarySchedule").objects.exclude(period=0).delete()
    apps.get_model("kpis", "SummarySending").objects.update(period_kind="year")


class Migration(migrations.Migration):

    dependencies = [
        ('kpis', '0029_reporting_cutoffs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='summaryschedule',
            options={'ordering': ['-year', 'period', 'org_unit__code'], 'verbose_name': 'lịch gửi báo cáo', 'verbose_name_plural': 'lịch gửi báo cáo'},
        ),
        migrations.RemoveConstraint(
            model_name='summaryschedule',
            name='summary_schedule_unique',
        ),
        migrations.RemoveConstraint(
            model_name='summarysending',
            name='sending_once_per_period',
        ),
        migrations.RemoveConstraint(
            model_name='summarysubscription',
            name='subscription_period_known',
        ),
        migrations.AddField(
            model_name='summaryschedule',
            name='period',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Cả năm'), (101, '6 tháng đầu năm'), (102, '6 tháng cuối năm')], default=0, help_text='Cả năm (gửi cho người đăng ký báo cáo năm) hoặc 6 tháng đầu/cuối năm (gửi cho người đăng ký báo cáo 6 tháng).', verbose_name='kỳ'),
        ),
        migrations.AlterField(
            model_name='summarysending',
            name='period',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Cả năm'), (101, '6 tháng đầu năm'), (102, '6 tháng cuối năm')], default=0, verbose_name='kỳ báo cáo'),
        ),
        migrations.AlterField(
            model_name='summarysending',
            name='period_kind',
            field=models.CharField(choices=[('year', 'Năm'), ('half_year', '6 tháng')], default='year', max_length=16, verbose_name='kỳ'),
        ),
        migrations.AlterField(
            model_name='summarysubscription',
            name='period_kind',
            field=models.CharField(choices=[('year', 'Năm'), ('half_year', '6 tháng')], default='year', max_length=16, verbose_name='kỳ'),
        ),
        migrations.RunPython(half_year_sendings_of_their_kind, back_to_years_only),
        migrations.AddConstraint(
            model_name='summaryschedule',
            constraint=models.UniqueConstraint(fields=('org_unit', 'year', 'period'), name='summary_schedule_unique'),
        ),
        migrations.AddConstraint(
            model_name='summaryschedule',
            constraint=models.CheckConstraint(condition=models.Q(('period__in', [0, 101, 102])), name='summary_schedule_period_known'),
        ),
        migrations.AddConstraint(
            model_name='summarysending',
            constraint=models.UniqueConstraint(condition=models.Q(('subscription__isnull', False)), fields=('subscription', 'year', 'period'), name='sending_once_per_period'),
        ),
        migrations.AddConstraint(
            model_name='summarysending',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('period', 0), ('period_kind', 'year')), models.Q(('period__in', [101, 102]), ('period_kind', 'half_year')), _connector='OR'), name='sending_period_of_its_kind'),
        ),
        migrations.AddConstraint(
            model_name='summarysubscription',
            constraint=models.CheckConstraint(condition=models.Q(('period_kind__in', ['year', 'half_year'])), name='subscription_period_known'),
        ),
    ]
