"""The four roles are groups created by migration 0003; code checks
permissions, never group names, so an admin may rename groups or make new ones."""

VIEWER = "Người xem"
DATA_ENTRY = "Cán bộ nhập liệu"
APPROVER = "Người duyệt"
LEADER = "Lãnh đạo"
ROLE_GROUPS = {"viewer": VIEWER, "data_entry": DATA_ENTRY, "approver": APPROVER, "leader": LEADER}
