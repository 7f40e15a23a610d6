"""Each responsibilities_listevent row's hash chained to the previous row of the same duty_list (trigger
function chuishao_chain_event, governance 0004). The hashed columns are fixed here and in
config.db_roles.EVENT_TABLES; rows written before this migration start their chains unhashed ('')."""

from django.db import migrations, models

PG_FORWARD = """
CREATE TRIGGER responsibilities_listevent_hash_chain BEFORE INSERT ON responsibilities_listevent
    FOR EACH ROW EXECUTE FUNCTION chuishao_chain_event('duty_list_id', 'id', 'duty_list_id', 'version_number', 'actor_id', 'action', 'item_code', 'data', 'created_at');
"""
PG_BACKWARD = "DROP TRIGGER IF EXISTS responsibilities_listevent_hash_chain ON responsibilities_listevent;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)



class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0004_event_hash_chain'),
        ('responsibilities', '0003_immutability_triggers'),
    ]

    operations = [
        migrations.AddField(
            model_name='listevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='记录哈希'),
        ),
        migrations.AddField(
            model_name='listevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='前一记录哈希'),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
