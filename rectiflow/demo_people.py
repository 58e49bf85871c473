"""The demo's people: a county justice bureau's units, one user per role (the three administrators of
三员分立 included), and more staff for the stories.

Every demo user's password is DEMO_PASSWORD; never use these accounts in production.
"""
from __future__ import annotations

DEMO_PASSWORD = "rectiflow-demo"

UNITS = [
    ("xf-sfj", "西丰县司法局", None),
    ("xf-zzb", "专项整治办公室", "xf-sfj"),
    ("xf-jcj", "社区矫正管理科", "xf-sfj"),
    ("xf-lsk", "律师工作管理科", "xf-sfj"),
    ("xf-sfs-1", "城区司法所", "xf-sfj"),
    ("xf-sfs-2", "平岗司法所", "xf-sfj"),
    ("xf-ls-1", "西丰某律师事务所", "xf-lsk"),
    ("xf-jd-1", "某司法鉴定所", "xf-sfj"),
]
USERS = [
    ("registrar", "registrar", "xf-sfj", "登记员 王敏"),
    ("handler", "handler", "xf-sfs-1", "承办人 李强"),
    ("unit_head", "unit_head", "xf-sfs-1", "所长 张华"),
    ("supervisor", "supervisor", "xf-sfj", "整治办 赵刚"),
    ("supervisor2", "supervisor", "xf-sfj", "整治办 孙丽"),
    ("leader", "leader", "xf-sfj", "分管领导 周明"),
    ("auditor", "auditor", "xf-sfj", "纪检组 吴晨"),
    ("admin", "admin", None, "系统管理员"),
    ("security_admin", "security_admin", None, "安全管理员"),
    ("audit_admin", "audit_admin", None, "审计管理员"),
]
STAFF = [("zzb_head", "unit_head", "xf-zzb", "整治办主任 钱伟"), ("jcj_head", "unit_head", "xf-jcj", "矫正科长 郑芳"),
         ("lsk_head", "unit_head", "xf-lsk", "律管科长 冯洁"), ("jd_head", "unit_head", "xf-jd-1", "鉴定所长 陈涛"),
         ("sfs2_handler", "handler", "xf-sfs-2", "平岗所 刘洋"),
         ("sfs2_head", "unit_head", "xf-sfs-2", "平岗所长 马军")]
