/** What a walk of the build context yields, and what git can vouch for (the walk and git share these). */
export interface FileEntry {
  readonly kind: "file";
  readonly rel: string; // relative POSIX path
  readonly size: number;
  readonly executable: boolean; // owner x bit, as git records it
  /** size, mtime, ctime and inode: equal keys mean the content is unchanged (see statCache). */
  readonly statKey: string;
  readonly ctimeMs: number;
}

export type ContextEntry = FileEntry | { readonly kind: "symlink"; readonly rel: string; readonly target: string };

export interface GitListing {
  /** Tracked paths, context-relative, in index order: the index entry where git found the file
   *  unchanged (same size, mtime, ctime, inode, type and executable bit), else the path. */
  readonly tracked: readonly (FileEntry | string)[];
  /** What else is there (`git ls-files --others --directory`: ignored files too, since no
   *  exclude rules are given), context-relative: files, and whole directories ending in "/".
   *  "./" when the context itself is untracked. Like any git listing it leaves out entries
   *  named ".git". */
  readonly untracked: readonly string[];
}
