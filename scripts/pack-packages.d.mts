/** A workspace package that publishes. */
export interface PublishablePackage {
  dir: string;
  manifest: { name: string; version: string; bin?: Record<string, string> } & Record<
    string,
    unknown
  >;
}
/** The packages that publish: every `packages/*` and `apps/*` not marked private. */
export declare function publishablePackages(): PublishablePackage[];
/** The tarball's file name for a package name: `@portcullis/core` → `portcullis-core.tgz`. */
export declare function tarballName(name: string): string;
/** Packs every publishable package into `destination`; each with its tarball's absolute path. */
export declare function packPackages(
  destination: string,
): Array<PublishablePackage & { tarball: string }>;
