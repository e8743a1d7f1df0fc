from django.contrib.auth.management import create_permissions
from django.db import migrations

CATALOGUE_VIEW = ["view_orgunit", "view_sector", "view_indicator", "view_target", "view_milestone",
                  "view_definitionchange", "view_validationrule"]
# Frozen here on purpose: a migration must not change when kpis.roles does.
GROUPS = {
    "Người xem": CATALOGUE_VIEW + ["view_approved_yearlyreport"],
    "Cán bộ nhập liệu": CATALOGUE_VIEW + ["view_yearlyreport", "add_yearlyreport", "change_yearlyreport",
                                          "submit_yearlyreport", "view_datavalue"],
    "Người duyệt": CATALOGUE_VIEW + ["view_yearlyreport", "approve_yearlyreport", "view_datavalue",
                                     "view_approved_yearlyreport"],
    "Lãnh đạo": CATALOGUE_VIEW + ["view_approved_yearlyreport", "export_summary"],
}


def create_groups(apps, schema_editor):
    kpis_config = apps.get_app_config("kpis")
    kpis_config.models_module = True
    create_permissions(kpis_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="kpis", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for group {name}: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0002_integrity_triggers"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
