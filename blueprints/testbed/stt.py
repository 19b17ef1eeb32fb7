"""Speech-to-text tasks of a testbed session."""

from facial_backend.auth import current_user, login_required
from facial_backend.rest import Blueprint
from facial_backend.schemas import testbed as schemas
from facial_backend.services.testbed import stt_tasks

bp = Blueprint("testbed_stt", __name__, url_prefix="/api/sessions/<session_id>/stt/tasks",
               description="Speech-to-text tasks of a testbed session")


@bp.post("")
@login_required(open=True)
@bp.arguments(schemas.TestbedSttTaskCreateSchema,
              example={"audio_chunk_id": "chunk-0001", "duration_seconds": 4.2})
@bp.response(201, schemas.TestbedSttTaskSchema)
@bp.errors((404, "Unknown session, segment or recording"))
def create_task(session_id, body):
    """Register a speech-to-text task (status pending)"""
    return stt_tasks.create_task(session_id, body, current_user())


@bp.get("")
@login_required(open=True)
@bp.response(200, schemas.TestbedSttTaskSchema(many=True))
@bp.errors((404, "Unknown session"))
def list_tasks(session_id):
    """The session's tasks, newest first"""
    return stt_tasks.list_tasks(session_id)


@bp.get("/<task_id>")
@login_required(open=True)
@bp.response(200, schemas.TestbedSttTaskSchema)
@bp.errors((404, "Unknown session or task"))
def get_task(session_id, task_id):
    """A task"""
    return stt_tasks.get_task(session_id, task_id)


@bp.put("/<task_id>")
@login_required(open=True)
@bp.arguments(schemas.TestbedSttTaskUpdateSchema,
              example={"status": "done", "transcript": "turn left at the next exit"})
@bp.response(200, schemas.TestbedSttTaskSchema)
@bp.errors((404, "Unknown session or task"), (409, "Transition not allowed"))
def update_task(session_id, task_id, body):
    """Move a task on (pending -> processing -> done | failed, failed -> pending) with its result"""
    return stt_tasks.update_task(session_id, task_id, body)
