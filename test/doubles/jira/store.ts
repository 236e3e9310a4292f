/**
 * The in-memory state of one fake Jira site: projects, issue types, issues with their comments and entity
 * properties, and users. Pure data and lookups; HTTP shapes and validation live in the route modules.
 */
export interface IssueType {
  id: string;
  name: string;
  subtask: boolean;
}

export interface Project {
  id: string;
  key: string;
  name: string;
  issueTypeIds: string[];
  nextNumber: number;
  /** What the app may do here: without browse the project is invisible, without write it is read-only. */
  browse: boolean;
  write: boolean;
}

export interface Comment {
  id: string;
  body: unknown;
  created: string;
  updated: string;
  authorAccountId: string;
}

export interface Issue {
  id: string;
  key: string;
  projectId: string;
  issueTypeId: string;
  summary: string;
  description: unknown | null;
  properties: Map<string, unknown>;
  comments: Comment[];
  created: string;
  updated: string;
}

export interface AddProjectOptions {
  key: string;
  name?: string;
  /** Names of issue types the project offers; default Task, Bug, Story, Subtask. */
  issueTypes?: string[];
}

/** Jira's timestamp format: 2024-05-01T10:20:30.123+0000 */
export const jiraTime = (d = new Date()): string => d.toISOString().replace('Z', '+0000');

const DEFAULT_TYPES: IssueType[] = [
  { id: '10001', name: 'Task', subtask: false },
  { id: '10002', name: 'Bug', subtask: false },
  { id: '10003', name: 'Story', subtask: false },
  { id: '10004', name: 'Subtask', subtask: true },
];

export class JiraStore {
  readonly issueTypes = new Map<string, IssueType>(DEFAULT_TYPES.map((t) => [t.id, { ...t }]));
  readonly projects = new Map<string, Project>();
  readonly issues = new Map<string, Issue>();
  /** accountId -> the user; `hiddenProjects`: keys of projects the user may not browse. */
  readonly users = new Map<string, { admin: boolean; hiddenProjects?: Set<string> }>();
  private nextProjectId = 10000;
  private nextIssueId = 10000;
  private nextCommentId = 10000;
  private nextTypeId = 10005;

  addProject(opts: AddProjectOptions): Project {
    const key = opts.key.toUpperCase();
    if (!/^[A-Z][A-Z0-9_]{1,9}$/.test(key)) throw new Error(`invalid Jira project key ${opts.key}`);
    if (this.findProject(key)) throw new Error(`project ${key} already exists`);
    const names = opts.issueTypes ?? DEFAULT_TYPES.map((t) => t.name);
    const project: Project = {
      id: String(this.nextProjectId++),
      key,
      name: opts.name ?? `${key} project`,
      issueTypeIds: names.map((n) => this.issueTypeNamed(n).id),
      nextNumber: 1,
      browse: true,
      write: true,
    };
    this.projects.set(project.id, project);
    return project;
  }

  /** Deletes the project and its issues, as deleting a project in Jira does (from the app's point of view). */
  removeProject(idOrKey: string): void {
    const project = this.findProject(idOrKey);
    if (!project) return;
    for (const issue of [...this.issues.values()]) if (issue.projectId === project.id) this.issues.delete(issue.id);
    this.projects.delete(project.id);
  }

  findProject(idOrKey: string): Project | undefined {
    const wanted = idOrKey.toUpperCase();
    for (const p of this.projects.values()) if (p.id === idOrKey || p.key === wanted) return p;
    return undefined;
  }

  /** The project as the app sees it: undefined when missing or not browsable. */
  visibleProject(idOrKey: string): Project | undefined {
    const p = this.findProject(idOrKey);
    return p?.browse ? p : undefined;
  }

  typesOf(project: Project): IssueType[] {
    return project.issueTypeIds.map((id) => this.issueTypes.get(id)).filter((t): t is IssueType => Boolean(t));
  }

  private issueTypeNamed(name: string): IssueType {
    for (const t of this.issueTypes.values()) if (t.name.toLowerCase() === name.toLowerCase()) return t;
    const t = { id: String(this.nextTypeId++), name, subtask: false };
    this.issueTypes.set(t.id, t);
    return t;
  }

  createIssue(project: Project, issueTypeId: string, summary: string, description: unknown | null, properties: [string, unknown][]): Issue {
    const now = jiraTime();
    const issue: Issue = {
      id: String(this.nextIssueId++),
      key: `${project.key}-${project.nextNumber++}`,
      projectId: project.id,
      issueTypeId,
      summary,
      description,
      properties: new Map(properties),
      comments: [],
      created: now,
      updated: now,
    };
    this.issues.set(issue.id, issue);
    return issue;
  }

  findIssue(idOrKey: string): Issue | undefined {
    const byId = this.issues.get(idOrKey);
    if (byId) return byId;
    const wanted = idOrKey.toUpperCase();
    for (const i of this.issues.values()) if (i.key === wanted) return i;
    return undefined;
  }

  /** The issue as the app sees it: undefined when missing or in a project it cannot browse. */
  visibleIssue(idOrKey: string): Issue | undefined {
    const issue = this.findIssue(idOrKey);
    if (!issue) return undefined;
    return this.projects.get(issue.projectId)?.browse ? issue : undefined;
  }

  /** Every issue the app can browse. */
  visibleIssues(): Issue[] {
    return [...this.issues.values()].filter((i) => this.projects.get(i.projectId)?.browse);
  }

  projectOf(issue: Issue): Project {
    const p = this.projects.get(issue.projectId);
    if (!p) throw new Error(`issue ${issue.key} has no project`);
    return p;
  }

  deleteIssue(idOrKey: string): boolean {
    const issue = this.findIssue(idOrKey);
    return issue ? this.issues.delete(issue.id) : false;
  }

  addComment(issue: Issue, body: unknown, authorAccountId: string): Comment {
    const now = jiraTime();
    const comment: Comment = { id: String(this.nextCommentId++), body, created: now, updated: now, authorAccountId };
    issue.comments.push(comment);
    issue.updated = now;
    return comment;
  }
}
