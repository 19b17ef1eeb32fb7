"""Speech-to-text tasks of a session (seed 004, ORIGINS C.4)."""

from flask import Blueprint, jsonify

from facial_backend.api import body, doc
from facial_backend.auth import current_user, login_required
from facial_backend.schemas import testbed as schemas
from facial_backend.services.testbed import stt_tasks

bp = Blueprint("testbed_stt", __name__, url_prefix="/api/sessions/<session_id>/stt/tasks")
TAGS = ["testbed speech-to-text"]


@bp.post("")
@doc("Register a speech-to-text task (status pending)", tags=TAGS,
     responses={201: schemas.TestbedSttTaskSchema, 404: "Unknown session, segment or recording",
                422: "Invalid fields"})
@login_required(open=True)
@body(schemas.TestbedSttTaskCreateSchema)
def create_task(session_id, body):
    return jsonify(stt_tasks.task_dict(stt_tasks.create_task(session_id, body, current_user()))), 201


@bp.get("")
@doc("The session's tasks, newest first", tags=TAGS,
     responses={200: schemas.TestbedSttTaskSchema(many=True), 404: "Unknown session"})
@login_required(open=True)
def list_tasks(session_id):
    return jsonify([stt_tasks.task_dict(task) for task in stt_tasks.list_tasks(session_id)])


@bp.get("/<task_id>")
@doc("A task", tags=TAGS, responses={200: schemas.TestbedSttTaskSchema, 404: "Unknown session or task"})
@login_required(open=True)
def get_task(session_id, task_id):
    return jsonify(stt_tasks.task_dict(stt_tasks.get_task(session_id, task_id)))


@bp.put("/<task_id>")
@doc("Move a task on (pending -> processing -> done | failed, failed -> pending) with its result",
     tags=TAGS, responses={200: schemas.TestbedSttTaskSchema, 404: "Unknown session or task",
                           409: "Transition not allowed", 422: "Invalid fields or unknown status"})
@login_required(open=True)
@body(schemas.TestbedSttTaskUpdateSchema)
def update_task(session_id, task_id, body):
    return jsonify(stt_tasks.task_dict(stt_tasks.update_task(session_id, task_id, body)))
