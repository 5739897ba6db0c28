"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { DEFAULT_TRAINING_VALIDITY_MONTHS, staffRoles, type StaffRole, type UserRole } from "@/db/schema/values";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { DataList, type Column } from "@/app/_components/data-list";
import { useCourseText } from "@/app/_components/training";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Label, Textarea } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

interface Course {
  id: string;
  key: string | null;
  title: string;
  topics: string[];
  validityMonths: number;
  requiredFor: StaffRole[];
  active: boolean;
}

export function CoursesView({ role }: { role: UserRole }) {
  const t = useTranslations("training");
  const tc = useTranslations("common");
  const text = useCourseText();
  const trpc = useTRPC();
  const courses = useQuery(trpc.training.courses.queryOptions());
  const columns: Column<Course>[] = [
    { id: "title", header: t("courses.courseTitle"), cell: (course) => text.title(course), card: "title", className: "whitespace-normal" },
    { id: "state", header: t("courses.stateColumn"), cell: (course) => (course.active ? null : <Badge variant="muted">{t("courses.archived")}</Badge>), card: "status" },
    { id: "validity", header: t("courses.validity"), cell: (course) => t("courses.validityValue", { months: course.validityMonths }) },
    {
      id: "topics",
      header: t("courses.topicsColumn"),
      cell: (course) => (
        <ul className="list-disc space-y-0.5 pl-4 text-sm">
          {text.topics(course).map((topic) => (
            <li key={topic}>{topic}</li>
          ))}
        </ul>
      ),
      className: "min-w-64 whitespace-normal",
    },
    {
      id: "requiredFor",
      header: t("courses.requiredFor"),
      cell: (course) =>
        course.requiredFor.length === 0 ? (
          <span className="text-muted-foreground">{t("courses.requiredNone")}</span>
        ) : (
          <span className="flex flex-wrap gap-1">
            {course.requiredFor.map((r) => (
              <Badge key={r} variant="outline">
                {t(`roles.${r}`)}
              </Badge>
            ))}
          </span>
        ),
    },
    ...(role === "admin" ? [{ id: "actions", header: <span className="sr-only">{tc("actions")}</span>, cell: (course: Course) => <CourseActions course={course} />, card: "actions" as const }] : []),
  ];
  return (
    <div className="space-y-3">
      {role === "admin" && (
        <div className="flex justify-end">
          <CourseDialog />
        </div>
      )}
      <DataList
        columns={columns}
        rows={courses.data}
        rowKey={(course) => course.id}
        error={courses.error}
        onRetry={() => void courses.refetch()}
        empty={{ title: t("courses.empty") }}
        data-testid="courses"
      />
    </div>
  );
}

/** An admin edits, archives or restores a course. */
function CourseActions({ course }: { course: Course }) {
  const t = useTranslations("training");
  const text = useCourseText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toggle = useMutation(trpc.training.updateCourse.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.training.pathFilter()) }));
  const title = text.title(course);
  return (
    <div className="flex flex-wrap justify-end gap-2">
      <CourseDialog course={course} />
      {course.active ? (
        <ConfirmDialog
          label={t("courses.archive")}
          title={t("courses.archiveTitle", { title })}
          description={t("courses.archiveConfirm")}
          error={toggle.error}
          pending={toggle.isPending}
          onConfirm={() => toggle.mutateAsync({ id: course.id, active: false })}
        />
      ) : (
        <ConfirmDialog
          label={t("courses.restore")}
          title={t("courses.restoreTitle", { title })}
          description={t("courses.restoreConfirm")}
          error={toggle.error}
          pending={toggle.isPending}
          onConfirm={() => toggle.mutateAsync({ id: course.id, active: true })}
        />
      )}
    </div>
  );
}

/** Creates a course, or edits one when `course` is given; a built-in course is shown in the reader's words to start from. */
function CourseDialog({ course }: { course?: Course }) {
  const t = useTranslations("training");
  const text = useCourseText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries(trpc.training.pathFilter());
  const create = useMutation(trpc.training.createCourse.mutationOptions({ onSuccess }));
  const edit = useMutation(trpc.training.updateCourse.mutationOptions({ onSuccess }));
  const mutation = course ? edit : create;
  const shownTitle = course ? text.title(course) : "";
  const shownTopics = course ? text.topics(course).join("\n") : "";
  return (
    <FormDialog
      trigger={
        course ? (
          <Button size="sm" variant="outline">
            {t("courses.edit")}
          </Button>
        ) : (
          <Button>
            <PlusIcon /> {t("courses.new")}
          </Button>
        )
      }
      title={course ? t("courses.editTitle") : t("courses.new")}
      description={course ? t("courses.validityHint") : undefined}
      submitLabel={course ? t("courses.save") : t("courses.create")}
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => {
        const title = formText(form, "title");
        const topicsText = formText(form, "topics");
        const values = {
          validityMonths: Number(formText(form, "validityMonths")),
          requiredFor: staffRoles.filter((r) => form.get(`requiredFor.${r}`) === "on"),
        };
        const topics = topicsText
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean);
        if (!course) return create.mutateAsync({ ...values, title, topics });
        // Unchanged words keep a built-in course translated.
        return edit.mutateAsync({ id: course.id, ...values, ...(title !== shownTitle && { title }), ...(topicsText !== shownTopics.trim() && { topics }) });
      }}
    >
      <Field name="title" label={t("courses.courseTitle")} error={mutation.error} defaultValue={shownTitle} autoComplete="off" required />
      <div className="grid gap-1.5">
        <Label htmlFor="field-topics">{t("courses.topics")}</Label>
        <Textarea id="field-topics" name="topics" rows={5} defaultValue={shownTopics} {...invalidProps(mutation.error, "topics")} />
        <FieldError error={mutation.error} field="topics" />
      </div>
      <Field name="validityMonths" label={t("courses.validity")} error={mutation.error} type="number" min={1} max={60} defaultValue={course?.validityMonths ?? DEFAULT_TRAINING_VALIDITY_MONTHS} />
      <fieldset className="grid gap-1.5" {...invalidProps(mutation.error, "requiredFor")}>
        <legend className="mb-1 text-sm font-medium">{t("courses.requiredFor")}</legend>
        <div className="flex flex-wrap gap-4">
          {staffRoles.map((r) => (
            <label key={r} className="flex items-center gap-2 text-sm">
              <input type="checkbox" className="size-4" name={`requiredFor.${r}`} defaultChecked={course?.requiredFor.includes(r)} />
              {t(`roles.${r}`)}
            </label>
          ))}
        </div>
        <FieldError error={mutation.error} field="requiredFor" />
      </fieldset>
    </FormDialog>
  );
}
