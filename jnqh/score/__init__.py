"""The score stage: the two rubrics (附件2 presence, 附件3 service), each item with its wording, the final type, satisfaction from 附件4."""
