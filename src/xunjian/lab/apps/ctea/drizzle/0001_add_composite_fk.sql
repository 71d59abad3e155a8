ALTER TABLE "product_option_item" ADD CONSTRAINT "product_option_item_group_id_id_unique" UNIQUE("group_id","id");
--> statement-breakpoint
CREATE OR REPLACE FUNCTION validate_default_item_belongs_to_group() RETURNS trigger AS $$
BEGIN
	IF NEW.default_item_id IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM product_option_item i WHERE i.id = NEW.default_item_id AND i.group_id = NEW.id
	) THEN
		RAISE EXCEPTION 'default item % does not belong to group %', NEW.default_item_id, NEW.id;
	END IF;
	RETURN NEW;
END $$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER validate_default_item_trigger BEFORE INSERT OR UPDATE ON product_option_group
	FOR EACH ROW EXECUTE FUNCTION validate_default_item_belongs_to_group();
