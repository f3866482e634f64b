"""Every unit of the campaign (DOMAIN.md "Who takes part"): code, Chinese name and kind.

The codes are the lane names of the diagrams. Town codes are pinyin of the town's name.
"""
from __future__ import annotations

OFFICE, BUREAU, TASK_FORCE, TOWN = "office", "bureau", "task_force", "town"

DEPARTMENTS: list[tuple[str, str, str]] = [
    ("leading_office", "领导小组办公室", OFFICE),
    ("water", "市水利局", BUREAU),
    ("task_force", "整治专班", TASK_FORCE),
    ("police", "市公安局", BUREAU),
    ("justice", "市司法局", BUREAU),
    ("finance", "市财政局", BUREAU),
    ("natural_resources", "市自然资源局", BUREAU),
    ("housing", "市住建局", BUREAU),
    ("market", "市市场监管局", BUREAU),
    ("enforcement", "市综合执法局", BUREAU),
    ("approval", "市行政审批局", BUREAU),
    ("tax", "市税务局", BUREAU),
    ("environment", "生态环境局乳山分局", BUREAU),
    ("publicity", "市委宣传部", BUREAU),
    ("media", "市融媒体中心", BUREAU),
    ("water_group", "水务集团", BUREAU),
    ("binhai", "滨海新区（银滩旅游度假区）", TOWN),
    ("kaifaqu", "经济开发区", TOWN),
    ("chengqu", "城区街道办事处", TOWN),
    ("xiacun", "夏村镇", TOWN),
    ("rushankou", "乳山口镇", TOWN),
    ("haiyangsuo", "海阳所镇", TOWN),
    ("baishatan", "白沙滩镇", TOWN),
    ("dagushan", "大孤山镇", TOWN),
    ("xujia", "徐家镇", TOWN),
    ("nanhuang", "南黄镇", TOWN),
    ("fengjia", "冯家镇", TOWN),
    ("xiachu", "下初镇", TOWN),
    ("wuji", "午极镇", TOWN),
    ("yazi", "崖子镇", TOWN),
    ("zhuwang", "诸往镇", TOWN),
    ("yuli", "育黎镇", TOWN),
    ("rushanzhai", "乳山寨镇", TOWN),
]

CODES = {code for code, _, _ in DEPARTMENTS}
TOWN_CODES = [code for code, _, kind in DEPARTMENTS if kind == TOWN]
NAMES = {code: name for code, name, _ in DEPARTMENTS}

# Demo accounts: one clerk per department, plus a head for the water bureau and the leading office's
# supervisor, and an administrator. Role names are in forms/choices.py (ROLES).
DEMO_PASSWORD = "demo12345"


# The task force's members are seconded from five units and keep their home department (plan §六(二)).
TASK_FORCE_HOMES = ("water", "housing", "enforcement", "approval", "water_group")


def demo_accounts() -> list[tuple[str, str, str, str, bool]]:
    """(username, display name, department code, role, seconded to the task force) of every demo account."""
    accounts = []
    for code, name, _ in DEPARTMENTS:
        if code == "leading_office":
            accounts.append((f"{code}.supervisor", f"{name}督办员", code, "supervisor", False))
        accounts.append((f"{code}.clerk", f"{name}经办人", code, "clerk", False))
    accounts.append(("water.head", "市水利局科室负责人", "water", "head", False))
    accounts.append(("task_force.head", "整治专班负责人", "task_force", "head", False))
    for code in TASK_FORCE_HOMES:
        accounts.append((f"{code}.inspector", f"{NAMES[code]}专班队员", code, "clerk", True))
    accounts.append(("admin", "系统管理员", "leading_office", "admin", False))
    return accounts
