"""Each cases_caseevent row's hash chained to the previous row of the same case (trigger
function chuishao_chain_event, governance 0004). The hashed columns are fixed here and in
config.db_roles.EVENT_TABLES; rows written before this migration start their chains unhashed ('')."""

from django.db import migrations, models

PG_FORWARD = """
CREATE TRIGGER cases_caseevent_hash_chain BEFORE INSERT ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION chuishao_chain_event('case_id', 'id', 'case_id', 'actor_id', 'actor_name', 'actor_unit_id', 'action', 'from_state', 'to_state', 'reason', 'data', 'created_at');
"""
PG_BACKWARD = "DROP TRIGGER IF EXISTS cases_caseevent_hash_chain ON cases_caseevent;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)



class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0004_event_hash_chain'),
        ('cases', '0007_sweep_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='caseevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='记录哈希'),
        ),
        migrations.AddField(
            model_name='caseevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='前一记录哈希'),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
