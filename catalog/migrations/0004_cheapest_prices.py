"""Each model's cheapest current standard input and output price, stored on catalog_aimodel and kept by PostgreSQL.

The list filters and sorts by these prices. Computed per request, a price sort ran a correlated subquery over
catalog_price for every model of the catalog before it could sort (~3 s at 100k models); stored and indexed, a
price-sorted page reads the first rows of an index (the sort key ``COALESCE(price, 1e9)``, then slug: unpriced
models sort last, and cursor pages cannot page over NULLs).

What "cheapest current standard" means (as catalog.listing computed it before): the lowest ``usd`` of the prices
with ``effective_to IS NULL``, ``tier = ''``, ``variant = 'standard'``, unit ``input_token`` / ``output_token``,
of the model's offerings whose status is not ``retired``.

Statement triggers with transition tables, one per event (as migration 0003), so that a bulk INSERT ... SELECT of
200k prices recomputes its models in one statement:

- ``catalog_price`` INSERT / UPDATE / DELETE: the models of the offerings of the rows that count (current, standard,
  token units) before or after; an UPDATE counts only when one of the columns the minimum reads changed.
- ``catalog_offering`` UPDATE (status to or from retired, a move to another model) and DELETE. An INSERT has no
  price yet (prices reference offerings), so it changes nothing.
- TRUNCATE of ``catalog_price``: every price is NULL.

``catalog_refresh_cheapest_prices(ids)`` recomputes only those models and writes a row only when a value changes
(IS DISTINCT FROM): a sync that rewrites nothing writes no model row. It locks the models' rows (ids in order)
before it reads the prices: in READ COMMITTED each statement takes a fresh snapshot, so two transactions that
change the same model's prices at once cannot leave the minimum of the one that locked first.

Only PostgreSQL writes the two columns: a row trigger keeps the stored values when anything else writes them (an
ORM ``save()`` of a model loaded before its prices changed would otherwise write a stale price back) and an INSERT
starts unpriced (a new model has no offering yet).
"""

import django.db.models.functions.comparison
from django.db import migrations, models

COUNTS = "{t}.effective_to IS NULL AND {t}.tier = '' AND {t}.variant = 'standard' AND {t}.unit IN ('input_token', 'output_token')"
# The columns of a price the minimum reads: an UPDATE that changes none of them changes no model's price.
READ_COLUMNS = "({t}.offering_id, {t}.unit, {t}.tier, {t}.variant, {t}.usd, {t}.effective_to)"

SQL = f"""
CREATE FUNCTION catalog_refresh_cheapest_prices(model_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(model_ids), 0) = 0 THEN
        RETURN;
    END IF;
    -- Lock, then read in a statement of its own: its snapshot sees what the writers we waited for committed.
    PERFORM 1 FROM catalog_aimodel WHERE id = ANY (model_ids) ORDER BY id FOR NO KEY UPDATE;
    PERFORM set_config('modelgate.cheapest_prices', 'refreshing', true);
    UPDATE catalog_aimodel AS m
    SET input_price = c.input_price, output_price = c.output_price
    FROM (
        SELECT a.id,
               min(p.usd) FILTER (WHERE p.unit = 'input_token') AS input_price,
               min(p.usd) FILTER (WHERE p.unit = 'output_token') AS output_price
        FROM (SELECT DISTINCT unnest(model_ids) AS id) AS a
        LEFT JOIN catalog_offering AS o ON o.model_id = a.id AND o.status <> 'retired'
        LEFT JOIN catalog_price AS p ON p.offering_id = o.id AND {COUNTS.format(t="p")}
        GROUP BY a.id
    ) AS c
    WHERE m.id = c.id AND (m.input_price, m.output_price) IS DISTINCT FROM (c.input_price, c.output_price);
    PERFORM set_config('modelgate.cheapest_prices', '', true);
END;
$$;

CREATE FUNCTION catalog_price_cheapest_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    model_ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT o.model_id) INTO model_ids
        FROM new_rows AS n JOIN catalog_offering AS o ON o.id = n.offering_id
        WHERE {COUNTS.format(t="n")};
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.model_id) INTO model_ids
        FROM old_rows AS d JOIN catalog_offering AS o ON o.id = d.offering_id
        WHERE {COUNTS.format(t="d")};
    ELSE
        SELECT array_agg(DISTINCT o.model_id) INTO model_ids
        FROM old_rows AS d JOIN new_rows AS n ON n.id = d.id
        CROSS JOIN LATERAL (VALUES (d.offering_id), (n.offering_id)) AS changed (offering_id)
        JOIN catalog_offering AS o ON o.id = changed.offering_id
        WHERE (({COUNTS.format(t="d")}) OR ({COUNTS.format(t="n")}))
          AND {READ_COLUMNS.format(t="d")} IS DISTINCT FROM {READ_COLUMNS.format(t="n")};
    END IF;
    PERFORM catalog_refresh_cheapest_prices(model_ids);
    RETURN NULL;
END;
$$;

CREATE FUNCTION catalog_offering_cheapest_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    model_ids bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT d.model_id) INTO model_ids FROM old_rows AS d;
    ELSE
        SELECT array_agg(DISTINCT changed.model_id) INTO model_ids
        FROM old_rows AS d JOIN new_rows AS n ON n.id = d.id
        CROSS JOIN LATERAL (VALUES (d.model_id), (n.model_id)) AS changed (model_id)
        WHERE (d.model_id, d.status = 'retired') IS DISTINCT FROM (n.model_id, n.status = 'retired');
    END IF;
    PERFORM catalog_refresh_cheapest_prices(model_ids);
    RETURN NULL;
END;
$$;

CREATE FUNCTION catalog_price_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('modelgate.cheapest_prices', 'refreshing', true);
    UPDATE catalog_aimodel SET input_price = NULL, output_price = NULL
    WHERE input_price IS NOT NULL OR output_price IS NOT NULL;
    PERFORM set_config('modelgate.cheapest_prices', '', true);
    RETURN NULL;
END;
$$;

CREATE FUNCTION catalog_aimodel_keep_cheapest_prices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.input_price := NULL;
        NEW.output_price := NULL;
    ELSIF current_setting('modelgate.cheapest_prices', true) IS DISTINCT FROM 'refreshing' THEN
        NEW.input_price := OLD.input_price;
        NEW.output_price := OLD.output_price;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER catalog_price_cheapest_insert AFTER INSERT ON catalog_price
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_price_cheapest_changed();
CREATE TRIGGER catalog_price_cheapest_update AFTER UPDATE ON catalog_price
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_price_cheapest_changed();
CREATE TRIGGER catalog_price_cheapest_delete AFTER DELETE ON catalog_price
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_price_cheapest_changed();
CREATE TRIGGER catalog_price_cheapest_truncate AFTER TRUNCATE ON catalog_price
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_price_truncated();
CREATE TRIGGER catalog_offering_cheapest_update AFTER UPDATE ON catalog_offering
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_offering_cheapest_changed();
CREATE TRIGGER catalog_offering_cheapest_delete AFTER DELETE ON catalog_offering
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_offering_cheapest_changed();
CREATE TRIGGER catalog_aimodel_cheapest_insert BEFORE INSERT ON catalog_aimodel FOR EACH ROW
    WHEN (NEW.input_price IS NOT NULL OR NEW.output_price IS NOT NULL)
    EXECUTE FUNCTION catalog_aimodel_keep_cheapest_prices();
CREATE TRIGGER catalog_aimodel_cheapest_update BEFORE UPDATE OF input_price, output_price ON catalog_aimodel
    FOR EACH ROW WHEN ((NEW.input_price, NEW.output_price) IS DISTINCT FROM (OLD.input_price, OLD.output_price))
    EXECUTE FUNCTION catalog_aimodel_keep_cheapest_prices();

SELECT catalog_refresh_cheapest_prices(ARRAY(SELECT id FROM catalog_aimodel));
"""  # noqa: S608  # nosec B608 built from the module's constants only, no input

REVERSE_SQL = """
DROP TRIGGER catalog_aimodel_cheapest_update ON catalog_aimodel;
DROP TRIGGER catalog_aimodel_cheapest_insert ON catalog_aimodel;
DROP TRIGGER catalog_offering_cheapest_delete ON catalog_offering;
DROP TRIGGER catalog_offering_cheapest_update ON catalog_offering;
DROP TRIGGER catalog_price_cheapest_truncate ON catalog_price;
DROP TRIGGER catalog_price_cheapest_delete ON catalog_price;
DROP TRIGGER catalog_price_cheapest_update ON catalog_price;
DROP TRIGGER catalog_price_cheapest_insert ON catalog_price;
DROP FUNCTION catalog_aimodel_keep_cheapest_prices();
DROP FUNCTION catalog_price_truncated();
DROP FUNCTION catalog_offering_cheapest_changed();
DROP FUNCTION catalog_price_cheapest_changed();
DROP FUNCTION catalog_refresh_cheapest_prices(bigint[]);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_search_words'),
    ]

    operations = [
        migrations.AddField(
            model_name='aimodel',
            name='input_price',
            field=models.DecimalField(blank=True, decimal_places=10, editable=False, help_text='USD per 1M tokens.', max_digits=20, null=True),
        ),
        migrations.AddField(
            model_name='aimodel',
            name='output_price',
            field=models.DecimalField(blank=True, decimal_places=10, editable=False, help_text='USD per 1M tokens.', max_digits=20, null=True),
        ),
        # Backfilled before the indexes are built, so they are built once, on the final values.
        migrations.RunSQL(SQL, reverse_sql=REVERSE_SQL),
        migrations.AddIndex(
            model_name='aimodel',
            index=models.Index(django.db.models.functions.comparison.Coalesce('input_price', models.Value(1000000000, output_field=models.DecimalField(decimal_places=10, max_digits=20)), output_field=models.DecimalField(decimal_places=10, max_digits=20)), models.F('slug'), name='catalog_model_input_price_idx'),
        ),
        migrations.AddIndex(
            model_name='aimodel',
            index=models.Index(django.db.models.functions.comparison.Coalesce('output_price', models.Value(1000000000, output_field=models.DecimalField(decimal_places=10, max_digits=20)), output_field=models.DecimalField(decimal_places=10, max_digits=20)), models.F('slug'), name='catalog_model_output_price_idx'),
        ),
    ]
