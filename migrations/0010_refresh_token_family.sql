-- Every CommunityWFM door call checks that its token's sign-in (family) still has a refresh token:
-- an index seek by user and family. It serves the lookups by user alone too, so it replaces that index.
DROP INDEX `api_refresh_tokens_user`;--> statement-breakpoint
CREATE INDEX `api_refresh_tokens_family` ON `api_refresh_tokens` (`user_id`,`family`);
