CREATE VIEW count_image_by_owner AS
    SELECT owner_id, count(*) AS images FROM image GROUP BY owner_id;
