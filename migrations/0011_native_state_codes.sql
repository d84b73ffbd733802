-- The native API sends a state and its ACD's code together: the code catalogue lists those codes too,
-- with the state their events named (a vendor's code keeps null: its mappings give its state).
ALTER TABLE `state_codes` ADD `state` text;
