"""Every state change of implementation plans, pre-review, joint review (会签), the joint review opinion,
publicity and the public's comments: one function per step, each running a transition of a workflow table
in review.workflows. Split by sub-domain; callers use `from review import services; services.submit(...)`.

Rules: 《北京市城市更新实施方案联合审查管理办法（试行）》 第五条–第十二条, 第十八条;
《海淀区城市更新实施指引（2025年版）》 三(三)(四).
"""

from renewal.workflow import TransitionRefused
from review.facts import derived_facts
from review.modules import clean_module
from review.redaction import masked_response, masked_text, public_response, public_text
from review.services.common import PROJECT_STAGE_FOR, current_round
from review.services.joint_review import (
    add_departments,
    adjust_land_deadline,
    change_departments,
    complete_round_if_decided,
    confirm_change,
    issue_opinion,
    record_city_approval,
    record_decision,
    record_transition_approval,
    record_unregistered_determination,
    remove_department,
    routed_departments,
    set_major_project,
    start_joint_review,
)
from review.services.plans import save_plan, start_plan, submit, submit_correction, upload_deliverable
from review.services.pre_review import (
    answer_pre_review,
    mark_request,
    record_expert_review,
    request_pre_review,
    return_for_revision,
)
from review.services.publicity import (
    COMMENTS_PER_HOUR,
    RECEIPT_LOOKUPS_PER_HOUR,
    CommentRateLimited,
    ReceiptLookupLimited,
    client_ip,
    close_expired_publicities,
    count_receipt_lookup,
    decline_comment,
    find_by_receipt,
    fingerprint,
    finish_if_possible,
    key_indicators,
    publicity_window,
    publish,
    publish_answer,
    publish_comment,
    respond_to_comment,
    submit_comment,
)
from review.workflows import MAJOR_PROJECT_STATES, PLAN, is_plan_entity, is_plan_staff

__all__ = [
    "COMMENTS_PER_HOUR",
    "MAJOR_PROJECT_STATES",
    "PLAN",
    "PROJECT_STAGE_FOR",
    "RECEIPT_LOOKUPS_PER_HOUR",
    "CommentRateLimited",
    "ReceiptLookupLimited",
    "TransitionRefused",
    "add_departments",
    "adjust_land_deadline",
    "answer_pre_review",
    "change_departments",
    "clean_module",
    "client_ip",
    "close_expired_publicities",
    "complete_round_if_decided",
    "confirm_change",
    "count_receipt_lookup",
    "current_round",
    "decline_comment",
    "derived_facts",
    "find_by_receipt",
    "fingerprint",
    "finish_if_possible",
    "is_plan_entity",
    "is_plan_staff",
    "issue_opinion",
    "key_indicators",
    "mark_request",
    "masked_response",
    "masked_text",
    "public_response",
    "public_text",
    "publicity_window",
    "publish",
    "publish_answer",
    "publish_comment",
    "record_city_approval",
    "record_decision",
    "record_expert_review",
    "record_transition_approval",
    "record_unregistered_determination",
    "remove_department",
    "request_pre_review",
    "respond_to_comment",
    "return_for_revision",
    "routed_departments",
    "save_plan",
    "set_major_project",
    "start_joint_review",
    "start_plan",
    "submit",
    "submit_comment",
    "submit_correction",
    "upload_deliverable",
]
