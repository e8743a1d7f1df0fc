import pytest
from django.urls import reverse

from kpis.models import OrgUnit, Target


@pytest.mark.parametrize("org_unit", ["abc", "\u2028", "1.5"])
def test_target_form_with_a_forged_unit_id_is_shown_again_with_an_error(world, client, org_unit):
    client.force_login(world.users.admin)
    response = client.post(reverse("admin:kpis_target_add"),
                           {"indicator": str(world.bts.pk), "org_unit": org_unit, "year": "2025"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["org_unit"]
    assert not Target.objects.exists()


def test_org_unit_form_with_a_forged_parent_id_is_shown_again_with_an_error(world, client):
    client.force_login(world.users.admin)
    url = reverse("admin:kpis_orgunit_change", args=[world.d1.pk])
    response = client.post(url, {"code": "P-D1", "name": "Huyện Một", "level": "district", "parent": "x"})
    assert response.status_code == 200
    assert OrgUnit.objects.get(pk=world.d1.pk).parent == world.province
